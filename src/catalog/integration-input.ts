import { InvalidInputError } from '../core/errors.js';
import type { EgressPolicy } from '../net/index.js';

/**
 * Checks an endpoint URL: absolute http(s), no credentials, no fragment, and allowed by the egress
 * policy (checked again at every use, since names can change what they resolve to). Returns it normalised.
 */
export function parseEndpoint(value: string, egress: EgressPolicy, field = '/endpoint'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw InvalidInputError.field(field, 'must be an absolute URL such as https://github.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw InvalidInputError.field(field, `must use https or http, not ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) {
    throw InvalidInputError.field(field, 'must not carry credentials: reference them with authRef instead');
  }
  if (url.hash) throw InvalidInputError.field(field, 'must not have a #fragment');
  if (!url.hostname) throw InvalidInputError.field(field, 'must name a host');
  try {
    egress.checkUrl(url);
  } catch (error) {
    throw InvalidInputError.field(field, `is not allowed: ${(error as Error).message}`);
  }
  // URL adds a slash to a bare origin; keep what the user meant.
  return url.pathname === '/' && !value.endsWith('/') ? url.href.slice(0, -1) : url.href;
}

/**
 * Checks the outline of an `authref://<store>/<path>` reference. The credentials layer owns the full
 * grammar and resolution; here a reference must at least be one.
 */
export function parseAuthRef(value: string, field = '/authRef'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw InvalidInputError.field(field, 'must be an authref://<store>/<path> reference');
  }
  if (url.protocol !== 'authref:' || !url.host || url.pathname.length < 2) {
    throw InvalidInputError.field(field, 'must be an authref://<store>/<path> reference');
  }
  if (url.username || url.password || url.port) {
    throw InvalidInputError.field(
      field,
      'must name a configured store, not an address with credentials or a port',
    );
  }
  return value;
}

/** RFC 7396 JSON merge patch: objects merge, `null` deletes, anything else replaces. */
export function mergePatch(
  target: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
) {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else if (isPlainObject(value) && isPlainObject(result[key])) {
      result[key] = mergePatch(result[key] as Record<string, unknown>, value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

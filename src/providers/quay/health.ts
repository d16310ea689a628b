import type { HttpResponse } from '../../net/index.js';
import type { HealthCheckResult } from '../../plugins/contracts.js';
import { checkHealth as checkRegistry } from '../oci/connection.js';
import { RegistryProtocolError, type RegistrySession } from '../oci/index.js';
import type { HealthEndpoint, QuayApi } from './api.js';

/**
 * Quay's health endpoints, as its health checker writes them (quay/quay `health/healthcheck.py`):
 * `{"data":{"services":{"<name>":true|false,…}},"status_code":200|503}`, the HTTP status the same as
 * `status_code`. Each service is `true` when its check passes. `/health/instance` checks this
 * instance (the gunicorn workers, its service key, disk space, and database, redis, storage, auth as
 * it reaches them; some checkers leave redis and storage out of the verdict), `/health/endtoend` the
 * whole deployment, `/health/warning` the warnings (`disk_space_warning` is `false`, with 503, when
 * free disk space fell below `DISKSPACE_HEALTH_WARNING_THRESHOLD`).
 * https://github.com/quay/quay/blob/master/health/services.py
 */

const MAX_HEALTH_BODY = 64 * 1024;
const SHAPE = '{"data":{"services":{…}},"status_code":…}';

export interface HealthReading {
  /** HTTP 200: Quay counts the instance (or deployment) healthy. */
  readonly ok: boolean;
  readonly services: Readonly<Record<string, boolean>>;
  /** Services whose check failed, sorted. */
  readonly failing: readonly string[];
}

/**
 * Reads one health answer, or throws a `RegistryProtocolError` saying the endpoint is not Quay's: a
 * status other than 200 or 503, a body that is not that JSON, a service that is not a boolean, or a
 * `status_code` that disagrees with the HTTP status.
 */
export function readHealthAnswer(endpoint: HealthEndpoint, status: number, body: Buffer): HealthReading {
  const path = `/health/${endpoint}`;
  const notQuay = (why: string) =>
    new RegistryProtocolError(
      `GET ${path} answered ${why}, not Quay's health answer ${SHAPE}; check that the endpoint is Quay's URL (e.g. https://quay.io)`,
    );
  if (status !== 200 && status !== 503) throw notQuay(`HTTP ${status}`);
  if (body.length === 0 || body.length > MAX_HEALTH_BODY)
    throw notQuay(body.length === 0 ? 'an empty body' : 'a body larger than 64 KiB');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw notQuay(`HTTP ${status} with a body that is not JSON`);
  }
  const { data, status_code: code } = (parsed ?? {}) as { data?: unknown; status_code?: unknown };
  const services = (data as { services?: unknown } | null | undefined)?.services;
  if (!services || typeof services !== 'object' || Array.isArray(services))
    throw notQuay('JSON without data.services');
  const entries = Object.entries(services as Record<string, unknown>);
  if (entries.length === 0) throw notQuay('no service');
  const wrong = entries.find(([, value]) => typeof value !== 'boolean');
  if (wrong) throw notQuay(`a service ('${wrong[0].slice(0, 60)}') that is not true or false`);
  if (code !== status) throw notQuay(`HTTP ${status} with status_code ${JSON.stringify(code)?.slice(0, 20)}`);
  const values = Object.fromEntries(entries) as Record<string, boolean>;
  const failing = entries.filter(([, value]) => value === false).map(([name]) => name.slice(0, 60));
  return { ok: status === 200, services: values, failing: failing.sort() };
}

/** A GET of a health endpoint, read. */
export async function readHealth(api: QuayApi, endpoint: HealthEndpoint): Promise<HealthReading> {
  const response: HttpResponse = await api.health(endpoint);
  return readHealthAnswer(endpoint, response.status, response.body);
}

/** What an instance reading says, in a sentence. */
export function describeReading(endpoint: HealthEndpoint, reading: HealthReading): string {
  const count = Object.keys(reading.services).length;
  if (!reading.ok)
    return `Quay's ${endpoint} health check fails (HTTP 503): ${reading.failing.join(', ') || 'no service named'} ${reading.failing.length === 1 ? 'is' : 'are'} down`;
  if (reading.failing.length === 0) return `Quay's ${endpoint} health check passes (${count} services)`;
  // Quay's checkers leave some services out of the verdict (redis and storage on a single instance).
  return `Quay's ${endpoint} health check passes; ${reading.failing.join(', ')} report${reading.failing.length === 1 ? 's' : ''} down but Quay does not count ${reading.failing.length === 1 ? 'it' : 'them'}`;
}

/**
 * The warnings Quay raises, as sentences, or none. An older Quay without `/health/warning` (404)
 * raises none; an answer that cannot be read is a warning of its own rather than a failure.
 */
export async function readWarnings(api: QuayApi): Promise<string[]> {
  const response = await api.health('warning');
  if (response.status === 404) return [];
  let reading: HealthReading;
  try {
    reading = readHealthAnswer('warning', response.status, response.body);
  } catch (error) {
    return [`the warnings could not be read: ${(error as Error).message}`];
  }
  return reading.failing.map((name) =>
    name === 'disk_space_warning'
      ? 'Quay warns that free disk space is below its warning threshold (disk_space_warning; DISKSPACE_HEALTH_WARNING_THRESHOLD): free space before pushes and builds fail'
      : `Quay raises the warning ${name}`,
  );
}

/**
 * Health: `/health/instance` (503 → unhealthy naming the failing services; not Quay's answer →
 * unhealthy), then the registry's `/v2/` authenticated as the operations will be (a refused robot is
 * unhealthy), then `/health/warning` (a warning → degraded).
 */
export async function checkHealth(api: QuayApi, registry: () => RegistrySession): Promise<HealthCheckResult> {
  const instance = await readHealth(api, 'instance');
  if (!instance.ok) return { status: 'unhealthy', message: describeReading('instance', instance) };
  const login = await checkRegistry(registry());
  if (login.status !== 'healthy') return login;
  // The warnings only ever make a healthy Quay degraded: failing to read them is one of them.
  const warnings = await readWarnings(api).catch((error: unknown) => [
    `the warnings could not be read: ${(error as Error).message}`,
  ]);
  const message = `${describeReading('instance', instance)}; ${login.message}`;
  if (warnings.length > 0) return { status: 'degraded', message: `${warnings.join('; ')}; ${message}` };
  return { status: 'healthy', message };
}

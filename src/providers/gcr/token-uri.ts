import { InvalidInputError, UnprocessableError } from '../../core/errors.js';
import type { GcrConfig } from './config.js';
import { GOOGLE_TOKEN_URI, LEGACY_GOOGLE_TOKEN_URI, type ServiceAccountKey } from './key.js';

/**
 * Where a signed assertion may go. An assertion is a bearer credential for an hour's worth of access
 * tokens, so it goes only to Google's token service (the two URIs Google writes into key files) or to
 * the one `config.tokenUri` names (a private Google endpoint, a test service): a key file whose
 * `token_uri` points elsewhere is refused, never followed.
 *
 * @example
 * tokenUriOf(key, { plainHttp: false }).href; // 'https://oauth2.googleapis.com/token'
 */
export function tokenUriOf(key: ServiceAccountKey, config: Pick<GcrConfig, 'tokenUri' | 'plainHttp'>): URL {
  if (config.tokenUri !== undefined) return configuredTokenUri(config.tokenUri, config);
  if (key.tokenUri === GOOGLE_TOKEN_URI || key.tokenUri === LEGACY_GOOGLE_TOKEN_URI)
    return new URL(key.tokenUri);
  throw new UnprocessableError(
    'token_uri_not_allowed',
    `the key's token_uri is not Google's token service (${GOOGLE_TOKEN_URI}), so no assertion is sent to it; set config.tokenUri to that URI if you trust it`,
  );
}

/** `config.tokenUri`, checked: https (http only with `plainHttp`), no credentials, query or fragment. */
export function configuredTokenUri(raw: string, config: Pick<GcrConfig, 'plainHttp'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw InvalidInputError.field('config.tokenUri', 'is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.plainHttp))
    throw InvalidInputError.field(
      'config.tokenUri',
      'must be an https:// URL (http only with config.plainHttp: the assertion would cross the network unencrypted)',
    );
  if (url.username || url.password || url.search || url.hash)
    throw InvalidInputError.field('config.tokenUri', 'must not hold credentials, a query or a fragment');
  return url;
}

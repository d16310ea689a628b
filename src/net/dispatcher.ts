import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';

/** How the one connection pool of an HTTP client is built. */
export interface DispatcherOptions {
  /** The guarded lookup; every direct connection resolves through it. */
  readonly lookup: LookupFunction;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** Extra trusted CAs (PEM, several certificates may be concatenated), added to Node's bundled roots. */
  readonly caBundle?: string | undefined;
  /** Most connections kept per origin (default 16). */
  readonly connectionsPerOrigin?: number | undefined;
  /** Where proxy variables are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The pool, and the proxies it sends through (for logging at start-up; no credentials in them). */
export interface OutboundDispatcher {
  readonly dispatcher: Dispatcher;
  readonly proxy: { readonly http?: string; readonly https?: string; readonly noProxy?: string } | undefined;
}

/**
 * One undici `Agent` (connection reuse per origin), or an `EnvHttpProxyAgent` when `HTTPS_PROXY` or
 * `HTTP_PROXY` is set, honouring `NO_PROXY`. Through a proxy the proxy resolves and connects, so only
 * the URL checks apply here: the proxy must enforce the egress policy itself.
 *
 * @example
 * const { dispatcher } = createDispatcher({ lookup, connectTimeoutMs: 5000, headersTimeoutMs: 10000, bodyTimeoutMs: 10000 });
 */
export function createDispatcher(options: DispatcherOptions): OutboundDispatcher {
  // Node's `ca` replaces the trust store; keep the bundled roots and add the administrator's bundle.
  const ca = options.caBundle ? [...rootCertificates, options.caBundle] : undefined;
  const tls = ca ? { ca } : {};
  const base = {
    connect: { lookup: options.lookup, timeout: options.connectTimeoutMs, ...tls },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connections: options.connectionsPerOrigin ?? 16,
  };
  const env = options.env ?? process.env;
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
  if (httpProxy === '' && httpsProxy === '') return { dispatcher: new Agent(base), proxy: undefined };

  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  const dispatcher = new EnvHttpProxyAgent({
    ...base,
    httpProxy,
    httpsProxy,
    noProxy,
    // The tunnelled TLS session to the target and the connection to the proxy trust the same CAs.
    requestTls: { ...tls },
    proxyTls: { ...tls, timeout: options.connectTimeoutMs },
  });
  return {
    dispatcher,
    proxy: { http: hideCredentials(httpProxy), https: hideCredentials(httpsProxy), noProxy },
  };
}

function hideCredentials(proxy: string): string {
  if (proxy === '') return '';
  try {
    const url = new URL(proxy);
    return url.origin;
  } catch {
    return '[unparseable proxy URL]';
  }
}

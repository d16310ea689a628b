import { createEgressPolicy, createHttpClient, type HttpClient } from '../../src/net/index.js';

/**
 * An outbound client for tests whose fakes listen on loopback at random ports: private networks
 * and any port allowed (as `INTEGRATIONS_ALLOW_PRIVATE_NETWORKS` and `INTEGRATIONS_EGRESS_ALLOW_ANY_PORT`
 * allow them), everything else as in production.
 */
export function testHttpClient(options: { offline?: boolean } = {}): HttpClient {
  return createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
    offline: options.offline,
  });
}

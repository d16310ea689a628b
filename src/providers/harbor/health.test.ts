import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeHarbor,
  HEALTHY_COMPONENTS,
  startFakeHarbor,
} from '../../../test/fakes/harbor/fake-harbor.js';
import { makeClient } from '../../net/loopback-server.test-kit.js';
import { ACCOUNTS, harborContext, loopbackClient, seedWorld } from './harbor.test-kit.js';
import { createHarborPlugin } from './plugin.js';

/** Health from `/api/v2.0/health` (always HTTP 200) and `/systeminfo`'s read-only flag. */

describe('harbor health', () => {
  let harbor: FakeHarbor;
  const http = loopbackClient();
  const plugin = createHarborPlugin();
  const as = () => harborContext({ endpoint: harbor.url, http, ...ACCOUNTS.admin });

  beforeAll(async () => {
    harbor = await startFakeHarbor();
    seedWorld(harbor);
  });
  afterEach(() => {
    expect(harbor.violations).toEqual([]);
    harbor.setHealth({ status: 'healthy', components: HEALTHY_COMPONENTS, delayMs: 0 });
    harbor.setSystemInfo({ readOnly: false });
  });
  afterAll(async () => {
    await harbor.close();
    await http.close();
  });

  it('is healthy when every component is', async () => {
    expect(await plugin.checkHealth(as())).toEqual({
      status: 'healthy',
      message: 'all 8 components are healthy',
    });
    // Health needs no credentials: anonymous integrations are checked the same way.
    expect((await plugin.checkHealth(harborContext({ endpoint: harbor.url, http }))).status).toBe('healthy');
  });

  it('is degraded when a non-critical component is down, or Harbor is read-only', async () => {
    harbor.setHealth({
      status: 'unhealthy',
      components: [
        ...HEALTHY_COMPONENTS.filter((c) => c.name !== 'jobservice' && c.name !== 'redis'),
        { name: 'jobservice', status: 'unhealthy', error: 'failed to check the health status: timeout' },
        { name: 'redis', status: 'unhealthy', error: 'dial tcp 10.0.0.5:6379: connect: connection refused' },
      ],
    });
    const components = await plugin.checkHealth(as());
    harbor.setHealth({ status: 'healthy', components: HEALTHY_COMPONENTS });
    harbor.setSystemInfo({ readOnly: true });
    const readOnly = await plugin.checkHealth(as());

    expect(components).toEqual({
      status: 'degraded',
      message:
        'unhealthy components: jobservice: failed to check the health status: timeout; redis: dial tcp 10.0.0.5:6379: connect: connection refused',
    });
    expect(readOnly).toEqual({
      status: 'degraded',
      message: 'Harbor is in read-only mode (pushes and deletions are refused); all 8 components are healthy',
    });
  });

  it.each(['core', 'registry', 'database'])('is unhealthy when %s is down', async (name) => {
    harbor.setHealth({
      status: 'unhealthy',
      components: HEALTHY_COMPONENTS.map((c) =>
        c.name === name ? { name, status: 'unhealthy' as const, error: 'down' } : c,
      ),
    });

    expect(await plugin.checkHealth(as())).toEqual({
      status: 'unhealthy',
      message: `unhealthy components: ${name}: down`,
    });
  });

  it('is unhealthy when Harbor says so without naming a component, or cannot be reached', async () => {
    harbor.setHealth({ status: 'unhealthy', components: [] });
    expect((await plugin.checkHealth(as())).status).toBe('unhealthy');

    const gone = await plugin.checkHealth(harborContext({ endpoint: 'http://127.0.0.1:9', http }));
    expect(gone.status).toBe('unhealthy');
  });

  it('a health answer slower than the client waits is degraded, saying Harbor may take 60 s', async () => {
    const slow = makeClient(
      { allowPrivateNetworks: true, allowAnyPort: true },
      { headersTimeoutMs: 100, retry: { attempts: 1 } },
    );
    harbor.setHealth({ status: 'healthy', delayMs: 1500 });
    try {
      const result = await plugin.checkHealth(harborContext({ endpoint: harbor.url, http: slow.client }));

      expect(result.status).toBe('degraded');
      expect(result.message).toMatch(/did not answer in time \(Harbor waits up to 60 s for each component\)/);
      // The health call gets a budget above Harbor's 60 s; the per-try wait is the client's.
      expect(harbor.requests('getHealth').length).toBeGreaterThan(0);
    } finally {
      await slow.client.close();
    }
  });
});

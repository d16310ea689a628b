import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';

const targets = await testDatabaseTargets();

describe.each(targets)('integrations API on $dialect', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    if (target.available) t = await startTestApp(target);
  });
  afterAll(async () => t?.dispose());

  it.skipIf(!target.available)('creates, reads, lists, updates and deletes', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: { name: 'gh', type: 'scm', provider: 'in_memory', endpoint: 'https://scm.example.com' },
    });

    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
  });
});

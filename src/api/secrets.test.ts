import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { credentialProbePlugin, sha256 } from '../../test/support/credential-probe-plugin.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { builtinPlugins } from '../plugins/builtin.js';

const targets = await testDatabaseTargets();

const probe = (name: string, expect: string, { field, ...extra }: Record<string, unknown> = {}) => ({
  name,
  type: 'ci',
  provider: 'credential_probe',
  endpoint: 'https://ci.example.com',
  config: { expect: sha256(expect), ...(field ? { field } : {}) },
  ...extra,
});

describe.each(targets)('secrets API on $dialect', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    if (target.available)
      t = await startTestApp(target, { builtins: [...builtinPlugins(), credentialProbePlugin()] });
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  test('stores a secret, returns only its reference, and an integration uses it', async () => {
    const stored = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: 'glpat-one', name: 'bot' },
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('uses-ref', 'glpat-one', { authRef: stored.body.authRef }),
    });

    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

    expect(stored.status).toBe(201);
    expect(stored.body).toEqual({
      authRef: `authref://local/${stored.body.id}`,
      id: expect.any(String),
      version: 1,
    });
    expect(JSON.stringify(stored.body)).not.toContain('glpat-one');
    expect(tested.body).toMatchObject({ success: true, checks: [{ name: 'authenticated', ok: true }] });
  });

  test('replaces a secret with a new version that integrations pick up', async () => {
    const stored = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: 'old-token' },
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('rotating', 'new-token', { authRef: stored.body.authRef }),
    });
    const before = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

    const replaced = await t.request({
      method: 'PUT',
      url: `/api/v1/secrets/${stored.body.id}`,
      payload: { value: 'new-token' },
    });
    const after = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

    expect(before.body.success).toBe(false);
    expect(replaced.body).toEqual({ authRef: stored.body.authRef, id: stored.body.id, version: 2 });
    expect(after.body.success).toBe(true);
    const events = await t.app.store.outbox.listForTenant('default', 10_000);
    expect(events.filter((e) => e.type === 'credential.rotated').map((e) => e.data)).toContainEqual({
      integrationId: created.body.id,
      authRef: stored.body.authRef,
      rotatedAt: expect.any(String),
      rotatedBy: 'token:bootstrap-admin',
    });
  });

  test('takes credentials inline on create and on update, keeping only a reference', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('inline', 'private-key-1', {
        field: 'privateKey',
        credentials: { appId: '42', privateKey: 'private-key-1' },
      }),
    });
    const url = `/api/v1/integrations/${created.body.id}`;
    const first = await t.request({ method: 'POST', url: `${url}/test` });

    const patched = await t.request({
      method: 'PATCH',
      url,
      payload: {
        credentials: { appId: '42', privateKey: 'private-key-2' },
        config: { expect: sha256('private-key-2') },
      },
    });
    const second = await t.request({ method: 'POST', url: `${url}/test` });

    expect(created.status).toBe(201);
    expect(created.body.authRef).toMatch(/^authref:\/\/local\/[0-9a-f-]{36}$/);
    expect(JSON.stringify(created.body)).not.toContain('private-key-1');
    expect(first.body.success).toBe(true);
    expect(patched.body.authRef).toBe(created.body.authRef);
    expect(patched.body.version).toBe(2);
    expect(second.body.success).toBe(true);
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    const update = events.find((e) => e.subject === created.body.id && e.type === 'integration.updated');
    expect(update?.data.changedFields).toEqual(['config', 'credentials']);
  });

  test('tests a registration with inline credentials before it is saved, storing nothing', async () => {
    const before = await t.request({ method: 'GET', url: '/api/v1/audit?action=create&pageSize=500' });

    const tested = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: probe('draft', 'draft-token', { credentials: 'draft-token' }),
    });
    const after = await t.request({ method: 'GET', url: '/api/v1/audit?action=create&pageSize=500' });

    expect(tested.body.success).toBe(true);
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  test('refuses credentials with an authRef, unknown stores, and bad values, naming the field', async () => {
    const both = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('both', 'x', {
        credentials: 'x',
        authRef: 'authref://local/01890a5d-ac96-774b-bcce-b302099a8057',
      }),
    });
    const unknownStore = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('unknown-store', 'x', { authRef: 'authref://vault-prod/ci/token' }),
    });
    const traversal = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('traversal', 'x', { authRef: 'authref://local/a/../b' }),
    });
    const emptyValue = await t.request({ method: 'POST', url: '/api/v1/secrets', payload: { value: '' } });
    const badField = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: { 'bad name': 'x' } },
    });

    expect(both.body.error.details).toEqual([
      { field: '/credentials', message: expect.stringContaining('not both') },
    ]);
    expect(unknownStore.status).toBe(400);
    expect(unknownStore.body.error.message).toMatch(/unknown secret store 'vault-prod'/);
    expect(traversal.status).toBe(400);
    expect(traversal.body.error.details[0].field).toBe('/authRef');
    expect([emptyValue.status, badField.status]).toEqual([400, 400]);
  });

  test('keeps tenants apart: another tenant can neither replace, delete nor use a secret', async () => {
    const stored = await t.request({ method: 'POST', url: '/api/v1/secrets', payload: { value: 'mine' } });
    const other = await t.token('other-tenant');

    const replace = await t.request({
      method: 'PUT',
      url: `/api/v1/secrets/${stored.body.id}`,
      token: other,
      payload: { value: 'theirs' },
    });
    const remove = await t.request({
      method: 'DELETE',
      url: `/api/v1/secrets/${stored.body.id}`,
      token: other,
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      token: other,
      payload: probe('borrowed', 'mine', { authRef: stored.body.authRef }),
    });
    const tested = await t.request({
      method: 'POST',
      url: `/api/v1/integrations/${created.body.id}/test`,
      token: other,
    });

    expect([replace.status, remove.status]).toEqual([404, 404]);
    expect(tested.body.success).toBe(false);
  });

  test('deletes a secret; integrations using it then fail their test with a clear message', async () => {
    const stored = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: 'short-lived' },
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('orphan', 'short-lived', { authRef: stored.body.authRef }),
    });

    const deleted = await t.request({ method: 'DELETE', url: `/api/v1/secrets/${stored.body.id}` });
    const again = await t.request({ method: 'DELETE', url: `/api/v1/secrets/${stored.body.id}` });
    const tested = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

    expect([deleted.status, again.status]).toEqual([204, 404]);
    expect(tested.body).toMatchObject({ success: false, message: expect.stringMatching(/not found/i) });
  });

  test('audits every write and resolution with a fingerprint, never a value, for admins only', async () => {
    const stored = await t.request({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: 'audited-value' },
    });
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('audited', 'audited-value', { authRef: stored.body.authRef }),
    });
    await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });
    await t.app.store.database.db.selectFrom('audit_log').select('id').limit(1).execute();

    const writer = await t.token('default', ['integrations:write']);
    const forbidden = await t.request({ method: 'GET', url: '/api/v1/audit', token: writer });
    const audit = await waitFor(async () => {
      const page = await t.request({
        method: 'GET',
        url: `/api/v1/audit?reference=${encodeURIComponent(stored.body.authRef)}`,
      });
      return page.body.items.length >= 2 ? page : undefined;
    });

    expect(forbidden.status).toBe(403);
    const actions = audit.body.items.map(
      (r: { action: string; purpose: string }) => `${r.action}:${r.purpose}`,
    );
    expect(actions).toEqual(expect.arrayContaining(['create:api', 'resolve:test']));
    for (const record of audit.body.items) {
      expect(record.fingerprint).toMatch(/^[0-9a-f]{8}:[0-9a-f]{32}$/);
      expect(record.actor).toBe('token:bootstrap-admin');
    }
    expect(JSON.stringify(audit.body)).not.toContain('audited-value');
  });
});

/** The audit trail writes resolutions in batches: wait for them to land. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((done) => setTimeout(done, 50));
  }
}

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { builtinPlugins } from '../src/plugins/builtin.js';
import { type FakeVault, startFakeVault } from '../src/secrets/stores/fake-vault.test-kit.js';
import { startTestApp, type TestApp } from './support/app.js';
import { credentialProbePlugin, sha256 } from './support/credential-probe-plugin.js';
import { testDatabaseTargets } from './support/databases.js';

/**
 * Plants known secret values, drives every feature that touches credentials, then searches every
 * log line, every API response (body and headers), /metrics and the raw bytes of the database files
 * for each value. Every search must come back empty.
 */
const PLANTED = {
  posted: 'planted-posted-7f3a9c1e5b',
  replaced: 'planted-replaced-2d8e4b6a0c',
  inlineKey: 'planted-inline-key-9b1c3e5d7f',
  inlineUnsaved: 'planted-unsaved-4a6c8e0b2d',
  env: 'planted-env-6e8a0c2b4d',
  vault: 'planted-vault-1c3e5a7b9d',
  vaultToken: '', // issued by the fake below
};

const [sqlite] = await testDatabaseTargets();

describe('no plaintext secret anywhere', () => {
  const logLines: string[] = [];
  const responses: string[] = [];
  let vault: FakeVault;
  let t: TestApp;
  let dataDir: string;

  async function call(options: Parameters<TestApp['request']>[0]) {
    const response = await t.request(options);
    responses.push(
      JSON.stringify(response.headers),
      typeof response.body === 'string' ? response.body : JSON.stringify(response.body),
    );
    return response;
  }

  beforeAll(async () => {
    vault = await startFakeVault();
    vault.put('tenants/default/ci/robot', { password: PLANTED.vault });
    vault.put('tenants/default/forbidden/robot', { password: 'not-readable' });
    PLANTED.vaultToken = vault.issueToken(['tenants/default/ci/']);
    process.env.AUTHREF_LEAK_ENV = PLANTED.env;
    process.env.AUTHREF_LEAK_VAULT_TOKEN = PLANTED.vaultToken;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    t = await startTestApp(sqlite!, {
      builtins: [...builtinPlugins(), credentialProbePlugin()],
      logger: createLogger('trace', sink),
      config: {
        logLevel: 'trace',
        allowPrivateNetworks: true,
        egressAllowAnyPort: true,
        secretStores: [
          { name: 'bootstrap', type: 'env', prefix: 'AUTHREF_LEAK_', tenants: ['default'] },
          {
            name: 'vault-test',
            type: 'vault',
            address: vault.address,
            tenants: ['default'],
            auth: { method: 'token', tokenRef: 'authref://bootstrap/AUTHREF_LEAK_VAULT_TOKEN' },
          },
        ],
      } as never,
    });
    dataDir = t.app.config.dataDir;
  });

  afterAll(async () => {
    delete process.env.AUTHREF_LEAK_ENV;
    delete process.env.AUTHREF_LEAK_VAULT_TOKEN;
    await vault?.close();
  });

  const probe = (name: string, expect: string, extra: Record<string, unknown>) => ({
    name,
    type: 'ci',
    provider: 'credential_probe',
    endpoint: 'https://ci.example.com',
    config: { expect: sha256(expect), ...(extra.field ? { field: extra.field } : {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'field')),
  });

  it('drives every credential feature, then finds no planted value in logs, responses, metrics or the database', async () => {
    const posted = await call({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: PLANTED.posted, name: 'posted' },
    });
    const usesPosted = await call({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('uses-posted', PLANTED.replaced, { authRef: posted.body.authRef }),
    });
    await call({ method: 'POST', url: `/api/v1/integrations/${usesPosted.body.id}/test` });
    await call({
      method: 'PUT',
      url: `/api/v1/secrets/${posted.body.id}`,
      payload: { value: PLANTED.replaced },
    });
    const afterReplace = await call({
      method: 'POST',
      url: `/api/v1/integrations/${usesPosted.body.id}/test`,
    });

    const inline = await call({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('inline', PLANTED.inlineKey, {
        field: 'privateKey',
        credentials: { appId: '1', privateKey: PLANTED.inlineKey },
      }),
    });
    const inlineTest = await call({ method: 'POST', url: `/api/v1/integrations/${inline.body.id}/test` });
    const unsaved = await call({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: probe('unsaved', PLANTED.inlineUnsaved, { credentials: PLANTED.inlineUnsaved }),
    });

    const fromEnv = await call({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('from-env', PLANTED.env, { authRef: 'authref://bootstrap/AUTHREF_LEAK_ENV' }),
    });
    const envTest = await call({ method: 'POST', url: `/api/v1/integrations/${fromEnv.body.id}/test` });
    const fromVault = await call({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('from-vault', PLANTED.vault, { authRef: 'authref://vault-test/ci/robot#password' }),
    });
    const vaultTest = await call({ method: 'POST', url: `/api/v1/integrations/${fromVault.body.id}/test` });
    const refused = await call({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: probe('refused', 'x', { authRef: 'authref://vault-test/forbidden/robot#password' }),
    });
    const refusedTest = await call({ method: 'POST', url: `/api/v1/integrations/${refused.body.id}/test` });
    await call({ method: 'POST', url: '/api/v1/secrets', payload: { value: { 'bad key': PLANTED.posted } } });
    await call({
      method: 'POST',
      url: '/api/v1/secrets',
      payload: { value: PLANTED.posted, extra: PLANTED.posted },
    });
    await call({ method: 'GET', url: '/api/v1/integrations?pageSize=500' });
    await new Promise((done) => setTimeout(done, 300)); // the audit trail writes resolutions in batches
    const audit = await call({ method: 'GET', url: '/api/v1/audit?pageSize=500' });
    await call({ method: 'GET', url: '/metrics', token: null });
    await call({ method: 'GET', url: '/openapi.json', token: null });
    await t.app.close(); // flushes the audit trail and checkpoints nothing away: the WAL file is read too

    // The features worked (else finding nothing would prove nothing).
    expect(afterReplace.body.success).toBe(true);
    expect(inlineTest.body.success).toBe(true);
    expect(unsaved.body.success).toBe(true);
    expect(envTest.body.success).toBe(true);
    expect(vaultTest.body.success).toBe(true);
    expect(refusedTest.body).toMatchObject({
      success: false,
      message: expect.stringMatching(/permission denied/),
    });
    expect(audit.body.items.length).toBeGreaterThanOrEqual(8);
    expect(logLines.some((line) => line.includes('probe resolved a credential'))).toBe(true);

    const databaseBytes = readdirSync(dataDir)
      .filter((file) => file.startsWith('integrations.db'))
      .map((file) => readFileSync(join(dataDir, file)).toString('latin1'));
    const places: [string, string[]][] = [
      ['logs', logLines],
      ['API responses', responses],
      ['database files', databaseBytes],
    ];
    const hits: string[] = [];
    for (const [name, value] of Object.entries(PLANTED)) {
      for (const [where, texts] of places) {
        if (texts.some((text) => text.includes(value))) hits.push(`${name} found in ${where}`);
      }
    }
    expect(hits).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';

const targets = await testDatabaseTargets();
const body = (name: string, config: Record<string, unknown> = {}) => ({
  name,
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
  config,
});

describe.each(targets)('connection tests and health API on $dialect', (target) => {
  let t: TestApp;
  beforeAll(async () => {
    if (target.available) t = await startTestApp(target, { config: { pollCheckTimeoutMs: 500 } });
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);

  test('tests an unsaved registration and stores nothing', async () => {
    const passing = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: body('draft'),
    });
    const failing = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: body('draft', { health: 'failing', message: 'TLS certificate expired' }),
    });
    const invalid = await t.request({
      method: 'POST',
      url: '/api/v1/integrations/test',
      payload: body('draft', { health: 'sometimes' }),
    });
    const listed = await t.request({ method: 'GET', url: '/api/v1/integrations?q=draft' });

    expect(passing.status).toBe(200);
    expect(passing.body).toMatchObject({
      success: true,
      latencyMs: expect.any(Number),
      checkedAt: expect.any(String),
      checks: [
        expect.objectContaining({ name: 'reachable', ok: true }),
        expect.objectContaining({ name: 'authenticated' }),
      ],
    });
    expect(failing.body).toMatchObject({
      success: false,
      message: 'TLS certificate expired',
      checks: expect.arrayContaining([{ name: 'reachable', ok: false, message: 'TLS certificate expired' }]),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details).toEqual([
      { field: '/config/health', message: expect.stringContaining('one of') },
    ]);
    expect(listed.body.items).toEqual([]);
  });

  test('tests a saved integration, recording history and a test_completed event', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/integrations', payload: body('saved') });
    const id = created.body.id;

    const result = await t.request({ method: 'POST', url: `/api/v1/integrations/${id}/test` });
    const report = await t.request({ method: 'GET', url: `/api/v1/integrations/${id}/health` });

    expect(result.status).toBe(200);
    expect(result.body.success).toBe(true);
    expect(report.body.history).toEqual([
      expect.objectContaining({ kind: 'test', status: 'healthy', checks: result.body.checks }),
    ]);
    const events = await t.app.store.outbox.listForTenant('default', 1000);
    expect(
      events.find((e) => e.type === 'integration.test_completed' && e.subject === id)?.data,
    ).toMatchObject({
      integrationId: id,
      success: true,
      testedBy: 'token:bootstrap-admin',
    });
  });

  test('reports a test that outlives its deadline as failed, without hanging', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: body('slow', { health: 'slow' }),
    });

    const result = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });

    expect(result.body).toMatchObject({
      success: false,
      message: expect.stringContaining('did not finish within 500 ms'),
    });
  });

  test('hides another tenant’s integration from tests and health', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: body('private'),
    });
    const other = await t.token('intruder');

    const testIt = await t.request({
      method: 'POST',
      url: `/api/v1/integrations/${created.body.id}/test`,
      token: other,
    });
    const health = await t.request({
      method: 'GET',
      url: `/api/v1/integrations/${created.body.id}/health`,
      token: other,
    });
    const reader = await t.request({
      method: 'POST',
      url: `/api/v1/integrations/${created.body.id}/test`,
      token: await t.token('default', ['integrations:read']),
    });

    expect([testIt.status, health.status, reader.status]).toEqual([404, 404, 403]);
  });

  test('exposes the health metrics by their design names', async () => {
    const metrics = await t.request({ method: 'GET', url: '/metrics', token: null });

    expect(metrics.body).toContain(
      'integrations_test_connection_duration_seconds_bucket{le="0.05",provider="in_memory"}',
    );
    expect(metrics.body).toMatch(/integrations_by_health_status\{status="unknown"\} \d+/);
  });
});

describe('outbound policy and offline mode', () => {
  const sqlite = targets[0]!;

  it('refuses endpoints the egress policy forbids when they are saved, naming the rule', async () => {
    const t = await startTestApp(sqlite);
    try {
      const cases = [
        ['http://169.254.169.254/latest/meta-data', /cloud metadata/],
        ['https://10.1.2.3/', /private/],
        ['http://127.0.0.1:8080/', /port 8080 is not allowed|loopback/],
        ['https://[::ffff:7f00:1]/', /loopback/],
      ] as const;
      for (const [endpoint, rule] of cases) {
        const response = await t.request({
          method: 'POST',
          url: '/api/v1/integrations',
          payload: { ...body('x'), endpoint },
        });

        expect(response.status, endpoint).toBe(400);
        expect(response.body.error.details[0].field).toBe('/endpoint');
        expect(response.body.error.message).toMatch(rule);
      }
    } finally {
      await t.dispose();
    }
  });

  it('makes no test and reports skippedOffline when the service runs offline', async () => {
    const t = await startTestApp(sqlite, { config: { offline: true } });
    try {
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/integrations',
        payload: body('offline'),
      });

      const result = await t.request({ method: 'POST', url: `/api/v1/integrations/${created.body.id}/test` });
      const report = await t.request({
        method: 'GET',
        url: `/api/v1/integrations/${created.body.id}/health`,
      });

      expect(result.body).toMatchObject({ success: false, skippedOffline: true, checks: [] });
      expect(report.body.history).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});

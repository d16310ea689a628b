import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { CloudEventSchema, EVENT_DATA_SCHEMAS, EVENT_TYPES, type EventType } from './schemas.js';

const ajv = new AjvModule.default({ allErrors: true, strict: false });
addFormatsModule.default(ajv);
const validateEnvelope = ajv.compile(CloudEventSchema);
const validateData = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, ajv.compile(EVENT_DATA_SCHEMAS[type])]),
) as Record<EventType, ReturnType<typeof ajv.compile>>;

/** Errors of an event against the envelope and its type's data schema; empty when it conforms. */
function problems(event: { type: EventType; data: unknown }): unknown[] {
  const errors: unknown[] = [];
  if (!validateEnvelope(event)) errors.push(...(validateEnvelope.errors ?? []));
  const validate = validateData[event.type];
  if (!validate(event.data)) errors.push(...(validate.errors ?? []));
  return errors;
}

const [sqlite] = await testDatabaseTargets();

describe('event schemas', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(sqlite!, { config: { relayEnabled: false } });
  });
  afterAll(async () => t?.dispose());

  it('describe every event the catalog writes', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/integrations',
      payload: {
        name: 'schema-check',
        type: 'scm',
        provider: 'in_memory',
        endpoint: 'https://scm.example.com',
        authRef: 'authref://local/01890a5d-ac96-774b-bcce-b302099a8057',
        tags: ['a'],
      },
    });
    expect(created.status).toBe(201);
    const url = `/api/v1/integrations/${created.body.id}`;
    await t.request({ method: 'PATCH', url, payload: { owner: 'Team', tags: ['b'] } });
    await t.request({ method: 'POST', url: `${url}/test` });
    await t.request({ method: 'DELETE', url });

    const events = (await t.request({ method: 'GET', url: '/api/v1/events' })).body.items;

    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'integration.created',
      'integration.updated',
      'integration.test_completed',
      'integration.deleted',
    ]);
    for (const event of events) expect(problems(event)).toEqual([]);
  });

  it('describe the health, annotation and credential events', () => {
    const envelope = {
      specversion: '1.0',
      id: '019c0000-0000-7000-8000-000000000001',
      source: '/integrations-catalog/a',
      subject: '019c0000-0000-7000-8000-0000000000aa',
      time: '2026-03-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      tenantid: 'acme',
    };
    const integrationId = envelope.subject;
    const samples: { type: EventType; data: unknown }[] = [
      {
        type: 'integration.health_changed',
        data: { integrationId, from: 'unknown', to: 'degraded', reason: 'quota at 5%' },
      },
      {
        type: 'scm.annotation.completed',
        data: {
          integrationId,
          owner: 'acme',
          repository: 'api',
          pullRequestNumber: 42,
          commitSha: 'a'.repeat(40),
          operations: [
            { kind: 'comment', success: true, isTransient: false, skippedOffline: false, errorMessage: null },
            {
              kind: 'check_run',
              success: false,
              isTransient: true,
              skippedOffline: false,
              errorMessage: '503',
            },
          ],
          requestedBy: 'token:scanner',
        },
      },
      {
        type: 'credential.rotated',
        data: {
          integrationId,
          authRef: 'authref://vault/kv/scm',
          rotatedAt: '2026-03-01T00:00:00Z',
          rotatedBy: 'token:ops',
        },
      },
    ];

    for (const sample of samples) expect(problems({ ...envelope, ...sample })).toEqual([]);
    expect(
      problems({ ...envelope, type: 'credential.rotated', data: { integrationId, secret: 'x' } }),
    ).not.toEqual([]);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../../test/support/http.js';
import { closedPort } from '../../../test/support/process.js';
import { ConfigError, UpstreamError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { createEgressPolicy, type HttpClient } from '../../net/index.js';
import { type LoopbackServer, startServer } from '../../net/loopback-server.test-kit.js';
import { encodeEvent } from '../cloud-event.js';
import { envSecretResolver } from '../env-secret.js';
import { verifySignature } from '../signature.js';
import { createEventSinks } from './create-sinks.js';
import { createWebhookSink } from './webhook.js';

const SECRET = 'whsec-test-0123456789';
const resolveSecret = envSecretResolver({ HOOK_SECRET: SECRET });
const encoded = encodeEvent({
  id: '019c0000-0000-7000-8000-000000000001',
  tenantId: 'acme',
  subject: '019c0000-0000-7000-8000-0000000000aa',
  type: 'integration.created',
  data: { integrationId: '019c0000-0000-7000-8000-0000000000aa', version: 1 },
  createdAt: '2026-03-01T00:00:00.000Z',
  position: 1,
  source: '/integrations-catalog/test',
});

describe('webhook sink', () => {
  let http: HttpClient;
  let server: LoopbackServer | undefined;
  let status = 204;
  beforeAll(() => {
    http = testHttpClient();
  });
  afterAll(async () => http.close());
  afterEach(async () => {
    await server?.close();
    server = undefined;
    status = 204;
  });

  async function sinkTo(options: { secretRef?: string; url?: string } = {}) {
    server ??= await startServer((_request, response) => response.writeHead(status).end('{"ok":false}'));
    return createWebhookSink(
      {
        kind: 'webhook',
        name: 'hooks',
        url: options.url ?? server.url('/events'),
        secretRef: options.secretRef ?? 'authref://env/HOOK_SECRET',
        timeoutMs: 2_000,
      },
      { http, resolveSecret, now: () => new Date('2026-03-01T00:00:10Z') },
    );
  }

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  };

  it('POSTs the structured CloudEvent, signed over timestamp and raw body', async () => {
    const sink = await sinkTo();

    await sink.publish(encoded, new AbortController().signal);

    const [request] = server!.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/events', body: encoded.body });
    expect(request!.headers['content-type']).toBe('application/cloudevents+json');
    expect(request!.headers['idempotency-key']).toBe(encoded.event.id);
    const signature = request!.headers['x-integrations-signature'] as string;
    expect(signature).toMatch(/^t=1772323210,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, signature, request!.body, { now: 1772323210 })).toBe(true);
    expect(verifySignature('other-secret', signature, request!.body, { now: 1772323210 })).toBe(false);
    expect(verifySignature(SECRET, signature, `${request!.body} `, { now: 1772323210 })).toBe(false);
  });

  it.each([400, 401, 403, 404, 410, 413, 422])(
    'treats HTTP %i as permanent (the event is parked)',
    async (code) => {
      status = code;
      const sink = await sinkTo();

      const error = await failure(sink.publish(encoded, new AbortController().signal));

      expect(error.isTransient).toBe(false);
      expect(error.message).toContain(`hooks: `);
      expect(error.message).toContain(String(code));
    },
  );

  it.each([408, 429, 500, 502, 503, 301])('treats HTTP %i as transient (tried again later)', async (code) => {
    status = code;
    const sink = await sinkTo();

    const error = await failure(sink.publish(encoded, new AbortController().signal));

    expect(error.isTransient).toBe(true);
    expect(server!.count()).toBe(1);
  });

  it('treats an unreachable receiver and a missing secret as transient', async () => {
    const port = await closedPort();
    const unreachable = await sinkTo({ url: `http://127.0.0.1:${port}/events` });
    const unsigned = await sinkTo({ secretRef: 'authref://env/NOT_SET_ANYWHERE' });

    expect((await failure(unreachable.publish(encoded, new AbortController().signal))).isTransient).toBe(
      true,
    );
    const missing = await failure(unsigned.publish(encoded, new AbortController().signal));
    expect(missing.isTransient).toBe(true);
    expect(missing.message).toBe('secret authref://env/NOT_SET_ANYWHERE is not set');
  });

  it('refuses at start-up a URL the egress policy refuses', () => {
    const strict = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] });
    const make = (url: string) =>
      createEventSinks(
        [{ kind: 'webhook', name: 'hooks', url, secretRef: 'authref://env/X', timeoutMs: 1000 }],
        {
          http,
          egress: strict,
          resolveSecret,
          logger: silentLogger,
          now: () => new Date(),
        },
      );

    expect(() => make('http://127.0.0.1:8080/events')).toThrow(ConfigError);
    expect(() => make('http://169.254.169.254/latest')).toThrow(/refused/);
    expect(make('https://hooks.example.com/events')).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../core/errors.js';
import { readEventSinks } from './sink-config.js';

describe('event settings', () => {
  it('read sinks from INTEGRATIONS_EVENT_SINKS as JSON, with defaults filled by readEventSinks', () => {
    const config = loadConfig({
      INTEGRATIONS_EVENT_SINKS: JSON.stringify([
        { kind: 'webhook', url: 'https://hooks.example.com/e', secretRef: 'authref://env/HOOK_SECRET' },
        { kind: 'nats', servers: ['nats://127.0.0.1:4222'], stream: { name: 'EVENTS', create: true } },
        { kind: 'redis', name: 'audit-stream', url: 'redis://127.0.0.1:6379' },
      ]),
      INTEGRATIONS_EVENT_SOURCE: 'urn:acme:integrations',
      INTEGRATIONS_EVENT_RETENTION_DAYS: '14',
      INTEGRATIONS_RELAY_ENABLED: 'false',
      INTEGRATIONS_RELAY_POLL_INTERVAL_MS: '250',
    });

    expect(config).toMatchObject({
      eventSource: 'urn:acme:integrations',
      eventRetentionDays: 14,
      relayEnabled: false,
      relayPollIntervalMs: 250,
      relayBatchSize: 100,
    });
    expect(readEventSinks(config.eventSinks)).toEqual([
      {
        kind: 'webhook',
        name: 'webhook',
        url: 'https://hooks.example.com/e',
        secretRef: 'authref://env/HOOK_SECRET',
        timeoutMs: 10_000,
      },
      {
        kind: 'nats',
        name: 'nats',
        servers: ['nats://127.0.0.1:4222'],
        subjectPrefix: 'integrations',
        tokenRef: null,
        stream: { name: 'EVENTS', create: true, duplicateWindowSeconds: 120 },
        timeoutMs: 10_000,
      },
      {
        kind: 'redis',
        name: 'audit-stream',
        url: 'redis://127.0.0.1:6379',
        passwordRef: null,
        stream: 'integrations-events',
        maxLen: 1_000_000,
        timeoutMs: 10_000,
      },
    ]);
  });

  it('refuse a variable that is not JSON, an unknown kind, a password in a URL and a misspelt field', () => {
    expect(() => loadConfig({ INTEGRATIONS_EVENT_SINKS: 'nats://127.0.0.1' })).toThrow(
      /INTEGRATIONS_EVENT_SINKS is not valid JSON/,
    );
    for (const sink of [
      { kind: 'kafka', url: 'x' },
      { kind: 'redis', url: 'redis://:hunter2@127.0.0.1:6379' },
      { kind: 'webhook', url: 'https://h.example.com', secret: 'plain' },
    ]) {
      expect(() => loadConfig({ INTEGRATIONS_EVENT_SINKS: JSON.stringify([sink]) })).toThrow(ConfigError);
    }
  });

  it('refuse two sinks of one name and secret references other than authref://env/', () => {
    const nats = { kind: 'nats' as const, servers: ['nats://a:4222'] };

    expect(() => readEventSinks([nats, nats])).toThrow(/two sinks are named 'nats'/);
    expect(() =>
      readEventSinks([
        { kind: 'webhook', url: 'https://h.example.com', secretRef: 'authref://vault/kv/hook' },
      ]),
    ).toThrow(/must be authref:\/\/env\/NAME/);
  });
});

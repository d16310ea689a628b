import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../net/loopback-server.test-kit.js';
import { type AuditEntry, createAuditTrail } from './audit-trail.js';
import { memoryAuditRepository } from './secrets.test-kit.js';

const entry = (n: number): AuditEntry => ({
  tenantId: 'acme',
  actor: 'system',
  integrationId: null,
  purpose: 'health',
  action: 'resolve',
  store: 'local',
  reference: `authref://local/${n}`,
  version: null,
  outcome: 'success',
  cache: 'hit',
  latencyMs: 0.01,
  fingerprint: null,
  detail: null,
});

describe('audit trail', () => {
  it('writes queued entries in batches, in order, with ids and times', async () => {
    const repository = memoryAuditRepository();
    const appends: number[] = [];
    const append = repository.append.bind(repository);
    repository.append = async (records) => {
      appends.push(records.length);
      return append(records);
    };
    const audit = createAuditTrail({
      repository,
      batchSize: 200,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });

    for (let n = 0; n < 450; n++) audit.record(entry(n));
    await audit.flush();

    expect(repository.records.map((r) => r.reference)).toEqual(
      Array.from({ length: 450 }, (_, n) => `authref://local/${n}`),
    );
    expect(Math.max(...appends)).toBeLessThanOrEqual(200);
    expect(new Set(repository.records.map((r) => r.id)).size).toBe(450);
    expect(repository.records[0]?.at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('writes on its own within the flush interval', async () => {
    const repository = memoryAuditRepository();
    const audit = createAuditTrail({ repository, flushIntervalMs: 5 });

    audit.record(entry(1));
    await new Promise((done) => setTimeout(done, 50));

    expect(repository.records).toHaveLength(1);
    await audit.close();
  });

  it('keeps entries while the database fails, logs once, and drops the oldest beyond its bound', async () => {
    const repository = memoryAuditRepository();
    const logger = recordingLogger();
    const audit = createAuditTrail({ repository, logger, maxQueued: 5, flushIntervalMs: 1_000_000 });
    repository.failing = true;

    for (let n = 0; n < 8; n++) audit.record(entry(n));
    await audit.flush();
    await audit.flush();
    repository.failing = false;
    await audit.flush();

    expect(repository.records.map((r) => r.reference)).toEqual(
      [3, 4, 5, 6, 7].map((n) => `authref://local/${n}`),
    );
    expect(audit.dropped()).toBe(3);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    await audit.close();
  });

  it('writes through a given repository at once (a transaction’s)', async () => {
    const queued = memoryAuditRepository();
    const transaction = memoryAuditRepository();
    const audit = createAuditTrail({ repository: queued });

    await audit.write([entry(1)], transaction);

    expect([queued.records.length, transaction.records.length]).toEqual([0, 1]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseTargets } from '../../test/support/databases.js';
import type { App } from '../app.js';
import type { Principal } from '../core/scopes.js';
import { asConnectorPlugin } from '../plugins/contracts.js';
import {
  type AnnotateHarness,
  call,
  finding,
  report,
  SHA,
  startAnnotateHarness,
  startSecondApp,
} from './annotate.test-kit.js';

const targets = await testDatabaseTargets();

describe.each(targets)('offline queue on $dialect', (target) => {
  /** The service started offline; `online` is the same service restarted online, on the same database. */
  let offline: AnnotateHarness;
  let online: App;
  beforeAll(async () => {
    if (!target.available) return;
    offline = await startAnnotateHarness(target, { config: { offline: true } });
    online = await startSecondApp(offline.t.app, [asConnectorPlugin(offline.plugin)]);
  });
  afterAll(async () => {
    await online?.close();
    await offline?.t.dispose();
  });
  const test = it.skipIf(!target.available);
  const pr = { owner: 'acme', repository: 'shop', pullRequestNumber: 9, commitSha: SHA };
  const replay = (id: string) => call(online, 'POST', `/api/v1/offline-queue/${id}/replay`);
  const list = (query = '') => call(online, 'GET', `/api/v1/offline-queue?${query}`);

  test('offline: nothing is sent, every payload is kept; replayed later it is posted once', async () => {
    const id = await offline.integration('offline');

    const annotated = await offline.annotate(id, { ...pr, findings: report([finding()]) });

    expect(annotated.status).toBe(200);
    expect(annotated.body).toMatchObject({ posted: false, queued: 4, outcome: 'fail' });
    for (const operation of annotated.body.operations) {
      expect(operation.result).toMatchObject({ success: false, skippedOffline: true, isTransient: false });
      expect(operation.queued).toMatchObject({ reason: 'offline', reasonKind: 'offline' });
    }
    expect(offline.plugin.scmState(id).writes).toBe(0);
    const pending = await list(`integrationId=${id}&status=pending`);
    expect(pending.body.items.map((e: any) => e.operation)).toEqual([
      'comment',
      'status',
      'checkRun',
      'inline',
    ]);
    expect(pending.body.items[0]).toMatchObject({
      owner: 'acme',
      repository: 'shop',
      pullRequestNumber: 9,
      commitSha: SHA,
      reason: 'offline',
      status: 'pending',
      payload: { pullRequestNumber: 9, updateExisting: true },
    });

    const first = await Promise.all(annotated.body.operations.map((o: any) => replay(o.queued.entryId)));
    const second = await Promise.all(annotated.body.operations.map((o: any) => replay(o.queued.entryId)));

    expect(first.map((r) => [r.status, r.body.posted, r.body.alreadySettled])).toEqual([
      [200, true, false],
      [200, true, false],
      [200, true, false],
      [200, true, false],
    ]);
    expect(second.map((r) => [r.body.posted, r.body.alreadySettled, r.body.result.success])).toEqual([
      [false, true, true],
      [false, true, true],
      [false, true, true],
      [false, true, true],
    ]);
    expect(second[0]!.body.entry).toMatchObject({ status: 'replayed', replayAttempts: 1 });
    const state = offline.plugin.scmState(id);
    // No diff given: the inline comment has no added line to go on (it falls back to the check run).
    expect(state.writes).toBe(3);
    expect(state.comments).toHaveLength(1);
  });

  test('two replays of one entry at once post it once', async () => {
    const id = await offline.integration('racing', { scmDelayMs: 30 });
    const annotated = await offline.annotate(id, { ...pr, operations: ['comment'], findings: report([]) });
    const entryId = annotated.body.operations[0].queued.entryId;

    const both = await Promise.all([replay(entryId), replay(entryId)]);

    expect(both.map((r) => r.body.posted).sort()).toEqual([false, true]);
    expect(offline.plugin.scmState(id).writes).toBe(1);
  });

  test('a newer payload supersedes the pending ones of the same target', async () => {
    const id = await offline.integration('superseded');
    const older = await offline.annotate(id, { ...pr, findings: report([finding()]) });
    const newer = await offline.annotate(id, { ...pr, findings: report([]) });

    const stale = await replay(older.body.operations[0].queued.entryId);
    const pending = await list(`integrationId=${id}&status=pending`);
    const superseded = await list(`integrationId=${id}&status=superseded`);

    expect(stale.body).toMatchObject({ posted: false, alreadySettled: true, result: null });
    expect(stale.body.entry).toMatchObject({
      status: 'superseded',
      supersededBy: newer.body.operations[0].queued.entryId,
    });
    expect(pending.body.items.map((e: any) => e.id)).toEqual(
      newer.body.operations.map((o: any) => o.queued.entryId),
    );
    expect(superseded.body.items).toHaveLength(4);
    expect(offline.plugin.scmState(id).writes).toBe(0);
  });

  test('transient and permanent failures keep the payload with the reason; a fixed SCM takes the replay', async () => {
    const created = await call(online, 'POST', '/api/v1/integrations', {
      name: 'flaky',
      type: 'scm',
      provider: 'in_memory',
      endpoint: 'https://scm.example.com',
      config: { scmFailure: 'transient' },
    });
    const id = created.body.id;
    const annotate = () =>
      call(online, 'POST', `/api/v1/integrations/${id}/scm/annotate`, { ...pr, findings: report([]) });

    const transient = await annotate();
    await call(online, 'POST', `/api/v1/integrations/${id}/scm/statuses`, {
      owner: 'acme',
      repository: 'shop',
      commitSha: SHA,
      state: 'success',
      context: 'direct',
    });
    await online.integrations.update(ADMIN, id, { config: { scmFailure: 'permanent' } });
    const permanent = await annotate();
    const stillFailing = await replay(permanent.body.operations[1].queued.entryId);
    await online.integrations.update(ADMIN, id, { config: { scmFailure: 'none' } });
    const fixed = await replay(permanent.body.operations[1].queued.entryId);

    expect(transient.body.operations[0]).toMatchObject({
      result: { success: false, isTransient: true },
      queued: {
        reasonKind: 'retries_exhausted',
        reason: 'retries exhausted: in-memory SCM: scripted transient failure',
      },
    });
    expect(permanent.body.operations[0].queued).toMatchObject({
      reasonKind: 'permanent',
      reason: 'permanent: in-memory SCM: scripted permanent failure',
    });
    const direct = await list(`integrationId=${id}&operation=status&reasonKind=retries_exhausted`);
    expect(direct.body.items.map((e: any) => e.payload.context)).toEqual(['security/scan', 'direct']);
    expect(stillFailing.body).toMatchObject({ posted: false, alreadySettled: false });
    expect(stillFailing.body.entry).toMatchObject({ status: 'pending', replayAttempts: 1 });
    expect(stillFailing.body.entry.replayResult).toMatchObject({ success: false });
    expect(fixed.body).toMatchObject({ posted: true, entry: { status: 'replayed', replayAttempts: 2 } });
    expect(offline.plugin.scmState(id).statuses).toHaveLength(1);
  });

  test('pages with a cursor and keeps tenants apart', async () => {
    const id = await offline.integration('paged');
    await offline.annotate(id, { ...pr, findings: report([]) });
    const other = await offline.t.token('other-tenant');

    const first = await list(`integrationId=${id}&pageSize=2`);
    const second = await list(`integrationId=${id}&pageSize=2&pageToken=${first.body.nextPageToken}`);
    const entryId = first.body.items[0].id;
    const foreign = await Promise.all([
      offline.t.request({ method: 'GET', url: '/api/v1/offline-queue', token: other }),
      offline.t.request({ method: 'GET', url: `/api/v1/offline-queue/${entryId}`, token: other }),
      offline.t.request({ method: 'POST', url: `/api/v1/offline-queue/${entryId}/replay`, token: other }),
    ]);
    const reader = await offline.t.token('default', ['integrations:read']);
    const readOnlyReplay = await offline.t.request({
      method: 'POST',
      url: `/api/v1/offline-queue/${entryId}/replay`,
      token: reader,
    });

    expect(first.body.items).toHaveLength(2);
    expect(second.body).toMatchObject({ nextPageToken: null });
    expect(second.body.items).toHaveLength(2);
    expect(foreign.map((r) => r.status)).toEqual([200, 404, 404]);
    expect(foreign[0]!.body.items).toEqual([]);
    expect(readOnlyReplay.status).toBe(403);
  });
});

/** The service's own view of an admin caller, for changes made straight through the catalog. */
const ADMIN: Principal = {
  tenantId: 'default',
  tokenId: 'test',
  actor: 'token:test',
  scopes: ['integrations:admin'],
};

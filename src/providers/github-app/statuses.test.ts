import { describe, expect, it } from 'vitest';
import { TARGET, useHarness } from './github-app.test-kit.js';

const status = {
  owner: TARGET.owner,
  repository: TARGET.repository,
  commitSha: TARGET.commitSha,
  state: 'failure' as const,
  context: 'security/scan',
  description: '1 critical, 2 high',
};

describe('github_app postStatus', () => {
  const h = useHarness();

  it('does not write a status that is already there', async () => {
    const client = h().client();

    const first = await client.postStatus(status);
    const second = await client.postStatus(status);

    expect(first.result?.action).toBe('created');
    expect(second.result).toMatchObject({ action: 'unchanged', statusId: first.result?.statusId });
    expect(h().github.writes('repos/create-commit-status')).toHaveLength(1);
  });

  it('writes again when the state, description or target changes; other contexts do not count', async () => {
    const client = h().client();
    await client.postStatus(status);
    await client.postStatus({ ...status, context: 'other/check', state: 'success' });

    const changed = await client.postStatus({ ...status, state: 'success', description: 'clean' });
    const target = await client.postStatus({
      ...status,
      state: 'success',
      description: 'clean',
      targetUrl: 'https://scan.example/1',
    });
    const same = await client.postStatus({
      ...status,
      state: 'success',
      description: 'clean',
      targetUrl: 'https://scan.example/1',
    });

    expect(changed.result?.action).toBe('updated');
    expect(target.result?.action).toBe('updated');
    expect(same.result?.action).toBe('unchanged');
    expect(h().github.writes('repos/create-commit-status')).toHaveLength(4);
  });

  it('cuts the description to 140 characters and still recognises it next time', async () => {
    const client = h().client();
    const long = { ...status, description: `${'critical finding '.repeat(20)}` };

    await client.postStatus(long);
    const again = await client.postStatus(long);

    const stored = h().github.state.statuses[0]?.description ?? '';
    expect(stored.length).toBeLessThanOrEqual(140);
    expect(stored.endsWith('…')).toBe(true);
    expect(again.result?.action).toBe('unchanged');
  });
});

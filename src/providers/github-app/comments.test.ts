import { describe, expect, it } from 'vitest';
import { closers } from '../../annotations/fit-markdown.js';
import { commentMarker } from '../../annotations/markdown.js';
import { startHarness, TARGET, useHarness } from './github-app.test-kit.js';

const mallory = { login: 'mallory', id: 66, type: 'User' as const };
const key = 'scanner:trivy';
const marked = (text: string) => `${commentMarker(key)}\n${text}`;
const request = (body: string) => ({
  owner: TARGET.owner,
  repository: TARGET.repository,
  pullRequestNumber: TARGET.pullRequestNumber,
  body,
});

describe('github_app postComment', () => {
  const h = useHarness();

  it('finds its own comment on the third page and updates it in place, leaving a look-alike alone', async () => {
    for (let i = 0; i < 250; i++)
      h().github.addComment('acme/app', 7, `chatter ${i}`, { ...mallory, id: 100 + i });
    const forged = h().github.addComment('acme/app', 7, marked('I copied your marker'), mallory);
    const client = h().client();
    const first = await client.postComment(request(marked('2 findings')));
    const listsBefore = h().github.requests('issues/list-comments').length;

    const second = await client.postComment(request(marked('1 finding')));

    expect(first.result?.action).toBe('created');
    expect(second).toMatchObject({
      success: true,
      result: { commentId: first.result?.commentId, action: 'updated' },
    });
    expect(h().github.requests('issues/list-comments').length - listsBefore).toBe(3);
    expect(h().github.requests('issues/list-comments').at(-1)?.query).toContain('page=3');
    expect(h().github.writes('issues/update-comment')).toHaveLength(1);
    expect(h().github.writes('issues/update-comment')[0]?.path).toBe(
      `/repos/acme/app/issues/comments/${first.result?.commentId}`,
    );
    expect(forged.body).toBe(marked('I copied your marker'));
    expect(h().github.state.comments).toHaveLength(252);
  });

  it('writes nothing when the body is unchanged', async () => {
    const client = h().client();
    await client.postComment(request(marked('same')));
    const writes = h().github.writes().length;

    const again = await client.postComment(request(marked('same')));

    expect(again.result?.action).toBe('unchanged');
    expect(h().github.writes().length).toBe(writes);
    expect(h().github.writes('issues/update-comment')).toHaveLength(0);
  });

  it('adds the marker to a body that has none, and finds it again', async () => {
    const client = h().client();

    const first = await client.postComment(request('plain body'));
    const second = await client.postComment(request('plain body, changed'));

    expect(h().github.state.comments[0]?.body).toBe(`${commentMarker('default')}\nplain body, changed`);
    expect(second.result).toMatchObject({ commentId: first.result?.commentId, action: 'updated' });
  });

  it('leaves one comment when two calls race for the same pull request', async () => {
    const client = h().client();

    const results = await Promise.all([
      client.postComment(request(marked('a'))),
      client.postComment(request(marked('b'))),
      h()
        .client()
        .postComment(request(marked('c'))),
    ]);

    expect(results.every((result) => result.success)).toBe(true);
    expect(h().github.state.comments).toHaveLength(1);
  });

  it('adds another comment when updateExisting is false', async () => {
    const client = h().client();

    await client.postComment(request(marked('one')));
    const again = await client.postComment({ ...request(marked('one')), updateExisting: false });

    expect(again.result?.action).toBe('created');
    expect(h().github.state.comments).toHaveLength(2);
  });

  it('updates the comment named by commentId', async () => {
    const client = h().client();
    const first = await client.postComment(request(marked('v1')));

    const updated = await client.postComment({
      ...request(marked('v2')),
      commentId: first.result?.commentId,
    });
    const same = await client.postComment({ ...request(marked('v2')), commentId: first.result?.commentId });

    expect(updated.result).toMatchObject({ commentId: first.result?.commentId, action: 'updated' });
    expect(same.result?.action).toBe('unchanged');
    expect(h().github.requests('issues/list-comments')).toHaveLength(1);
  });

  it('fails permanently for a commentId that does not exist, and for a comment by someone else', async () => {
    const foreign = h().github.addComment('acme/app', 7, 'hands off', mallory);
    const client = h().client();

    const missing = await client.postComment({ ...request('x'), commentId: '424242' });
    const theirs = await client.postComment({ ...request('x'), commentId: String(foreign.id) });

    expect(missing).toMatchObject({ success: false, isTransient: false, skippedOffline: false });
    expect(missing.errorMessage).toMatch(/comment 424242 was not found/);
    expect(theirs).toMatchObject({ success: false, isTransient: false });
    expect(theirs.errorMessage).toMatch(/not written by this App/);
    expect(foreign.body).toBe('hands off');
    expect(h().github.writes()).toHaveLength(0);
  });

  it('cuts a body over 65,536 characters safely and says so', async () => {
    const body = marked(
      `<details><summary>all</summary>\n\n\`\`\`\n${'finding line\n'.repeat(8_000)}\`\`\`\n</details>\n`,
    );

    const result = await h().client().postComment(request(body));

    const stored = h().github.state.comments[0]?.body ?? '';
    expect(result.success).toBe(true);
    expect(stored.length).toBeLessThanOrEqual(65_536);
    expect(stored.startsWith(commentMarker(key))).toBe(true);
    expect(stored).toMatch(/were left out\._\n$/);
    expect(closers(stored)).toBe('');
  });
});

describe('github_app pagination', () => {
  it('does not follow a Link to another origin', async () => {
    const own = await startHarness({ fake: { linkOrigin: 'http://elsewhere.invalid' } });
    for (let i = 0; i < 150; i++) own.github.addComment('acme/app', 7, `chatter ${i}`, mallory);

    const result = await own.client().postComment(request(marked('x')));

    expect(result.success).toBe(true);
    expect(own.github.requests('issues/list-comments')).toHaveLength(1);
    expect(own.logs.some((entry) => entry.message === 'ignored a Link to another origin')).toBe(true);
    expect(own.github.violations).toEqual([]);
    await own.close();
  });
});

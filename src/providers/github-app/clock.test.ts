import { afterEach, describe, expect, it } from 'vitest';
import { JWT_CLOCK_MESSAGES } from '../../../test/fakes/github/app-jwt.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

const status = {
  owner: TARGET.owner,
  repository: TARGET.repository,
  commitSha: TARGET.commitSha,
  state: 'success' as const,
  context: 'security/scan',
};
const MINUTE = 60_000;

let h: Harness | undefined;
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  await h?.close();
  h = undefined;
});

/** A fake GitHub whose clock is `skewMs` off ours (positive: GitHub's runs ahead). */
const startSkewed = async (skewMs: number) => {
  h = await startHarness({ fake: { now: () => Date.now() + skewMs } });
  return h;
};
const refusals = (harness: Harness) => harness.github.exchanges.filter((e) => e.status === 401);
const iatOf = (jwt: string): number =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')).iat;

describe("github_app and a clock off GitHub's", () => {
  it.each([
    ['5 minutes behind ours', -5 * MINUTE],
    ['15 minutes ahead of ours', 15 * MINUTE],
  ])('a GitHub %s refuses the first JWT once; then every JWT is signed on its time', async (_name, skew) => {
    const harness = await startSkewed(skew);

    const first = await harness.client().postStatus(status);
    const later = await harness.client({}, { id: 'int-2' }).postStatus({ ...status, context: 'b' });

    expect(first.success).toBe(true);
    expect(later.success).toBe(true);
    expect(refusals(harness)).toHaveLength(1);
    expect(refusals(harness)[0]?.operationId).toBe('apps/get-repo-installation');
    expect(harness.github.requests('meta/get-zen')).toHaveLength(1);
    // The later operation found its installation and made its token with JWTs GitHub took at once.
    expect(harness.github.requests('apps/get-repo-installation').map((e) => e.status)).toEqual([
      401, 200, 200,
    ]);
    const githubNow = (Date.now() + skew) / 1000;
    expect(Math.abs(iatOf(harness.github.state.jwts.at(-1) ?? '') - (githubNow - 60))).toBeLessThan(10);
    // One line of the provider's own (the outbound client logs the refused request as it logs any).
    const warnings = harness.logs.filter(
      (entry) => entry.level === 'warn' && entry.message !== 'outbound request failed',
    );
    expect(warnings.map((entry) => entry.message)).toEqual([
      "GitHub refused a JWT by its clock; signing App JWTs on GitHub's time from now on",
    ]);
    const fields = warnings[0]?.fields as { offsetSeconds?: number } | undefined;
    expect(Math.abs((fields?.offsetSeconds ?? Number.NaN) - skew / 1000)).toBeLessThan(5);
  });

  it('a GitHub 5 minutes ahead takes our JWTs as they are: 60 s back, 9 minutes ahead, still in range', async () => {
    const harness = await startSkewed(5 * MINUTE);

    const result = await harness.client().postStatus(status);

    expect(result.success).toBe(true);
    expect(refusals(harness)).toHaveLength(0);
    expect(harness.github.requests('meta/get-zen')).toHaveLength(0);
  });

  it.each([
    ['behind', -3 * 60 * MINUTE],
    ['ahead', 3 * 60 * MINUTE],
  ])('a GitHub 3 hours %s is a clock to fix: a permanent error naming the offset', async (side, skew) => {
    const harness = await startSkewed(skew);

    const result = await harness.client().postStatus(status);
    const test = await harness.plugin.testConnection(harness.context({ installationId: 100 }));

    expect(result).toMatchObject({ success: false, isTransient: false });
    const ours = side === 'behind' ? 'ahead' : 'behind';
    expect(result.errorMessage).toMatch(
      new RegExp(`the service's clock is 180 minutes off GitHub's \\(${ours}\\): fix the clock`),
    );
    expect(test.checks).toEqual([
      { name: 'app', ok: false, message: expect.stringMatching(/180 minutes off/) },
    ]);
    // Each operation: the refused JWT, GitHub's time, no second try and no second credential read.
    expect(refusals(harness)).toHaveLength(2);
    expect(harness.github.requests('meta/get-zen')).toHaveLength(2);
  });

  it("signs again once only: a JWT refused again by the clock fails with GitHub's words", async () => {
    const harness = await startSkewed(0);
    harness.github.inject({
      match: (request) => request.operation.operationId === 'apps/get-repo-installation',
      response: {
        status: 401,
        body: { message: JWT_CLOCK_MESSAGES.iatInFuture, documentation_url: 'https://docs.github.com/rest' },
      },
    });

    const result = await harness.client().postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toContain(JWT_CLOCK_MESSAGES.iatInFuture);
    expect(harness.github.requests('apps/get-repo-installation')).toHaveLength(2);
    expect(harness.github.requests('meta/get-zen')).toHaveLength(1);
  });
});

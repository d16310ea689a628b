import { afterAll, describe, expect, it } from 'vitest';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

let shared: Harness | undefined;

runConnectorContract('github_app', {
  setup: async () => {
    const harness = await startHarness();
    shared = harness;
    const working = harness.integration({ repositories: ['acme/app'] });
    return {
      plugin: asConnectorPlugin(harness.plugin),
      working: { ...working, config: { repositories: ['acme/app'] } },
      // An installation the App does not have: every step after the App's own fails, permanently.
      failing: { ...working, id: 'int-failing', name: 'failing', config: { installationId: 999 } },
      invalidConfigs: [
        { config: { installationId: 0 }, field: '/config/installationId' },
        { config: { repositories: ['no-slash'] }, field: '/config/repositories/0' },
        { config: { levelMapping: { high: 'error' } }, field: '/config/levelMapping/high' },
        { config: { appSlug: 'Not A Slug' }, field: '/config/appSlug' },
        { config: { organization: 'not an org!' }, field: '/config/organization' },
        { config: { unknown: true }, field: '/config/unknown' },
      ],
      scmTarget: TARGET,
      credentials: harness.credentials,
      http: harness.http,
      teardown: () => harness.close(),
    };
  },
});

describe('github_app under the contract', () => {
  afterAll(() => {
    // The contract ran every request past GitHub's own description.
    expect(shared?.github.violations).toEqual([]);
  });

  it('made requests the description allows, with GitHub headers and none of our internal ones', () => {
    const exchanges = shared?.github.exchanges ?? [];

    expect(exchanges.length).toBeGreaterThan(0);
    for (const exchange of exchanges) {
      expect(Object.keys(exchange.headers).filter((name) => name.startsWith('x-integrations-'))).toEqual([]);
      expect(exchange.headers).toMatchObject({
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      });
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from '../../../test/fakes/gitlab/fake-gitlab.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { seedGitLab, TARGET } from './gitlab.test-kit.js';
import { createGitLabPlugin } from './plugin.js';

let gitlab: FakeGitLab | undefined;

runConnectorContract('gitlab', {
  setup: async () => {
    gitlab = await startFakeGitLab();
    const { bot } = seedGitLab(gitlab);
    const integration = {
      id: 'gitlab-contract',
      tenantId: 'default',
      type: 'scm' as const,
      authRef: 'authref://local/t',
    };
    const fake = gitlab;
    return {
      plugin: asConnectorPlugin(createGitLabPlugin()),
      working: {
        ...integration,
        name: 'working',
        endpoint: fake.url,
        config: { repositories: ['acme/platform/app'] },
      },
      // Nothing listens there: every step fails, transiently, without throwing.
      failing: {
        ...integration,
        id: 'gitlab-failing',
        name: 'failing',
        endpoint: 'http://127.0.0.1:9',
        config: {},
      },
      invalidConfigs: [
        { config: { repositories: ['no-namespace'] }, field: '/config/repositories/0' },
        { config: { repositories: 'acme/app' }, field: '/config/repositories' },
        { config: { unknown: true }, field: '/config/unknown' },
      ],
      scmTarget: TARGET,
      credentials: createInlineCredentialsAccessor(fake.addToken(bot, { scopes: ['api'] })),
      teardown: () => fake.close(),
    };
  },
});

describe('gitlab under the contract', () => {
  afterAll(() => {
    // The contract ran every request past GitLab's own description.
    expect(gitlab?.violations).toEqual([]);
  });

  it('sent the token as a bearer token on every request but the unauthenticated ping', () => {
    const exchanges = gitlab?.exchanges ?? [];
    expect(exchanges.length).toBeGreaterThan(0);
    for (const exchange of exchanges) {
      if (exchange.path.endsWith('/api/v4/version') && exchange.headers.authorization === undefined) continue;
      expect(exchange.headers.authorization).toMatch(/^Bearer \S+$/);
      expect(exchange.headers['private-token']).toBeUndefined();
    }
  });
});

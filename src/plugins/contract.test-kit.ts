import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../test/support/http.js';
import { InvalidInputError } from '../core/errors.js';
import { INTEGRATION_TYPES } from '../core/integration.js';
import { silentLogger } from '../core/logger.js';
import type { HttpClient } from '../net/index.js';
import { type CredentialsAccessor, noCredentials } from '../secrets/index.js';
import {
  CAPABILITIES,
  type ConnectorPlugin,
  type IntegrationConfig,
  type PluginContext,
} from './contracts.js';
import { loadPlugins } from './loader.js';
import type { PluginRegistry } from './registry.js';

/** The cases of the contract, by name, so a provider can exempt itself from one with a reason. */
export const CONTRACT_CASES = [
  'describes itself',
  'validates config',
  'passes a connection test against a working system',
  'fails a connection test against a failing system without throwing',
  'reports health',
  'settles when its signal is aborted',
  'ensures comments',
  'ensures statuses',
  'creates check runs',
  'classifies SCM failures without throwing',
  'reads the registry',
  'lists the referrers of an image when it says it can',
] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

/** What a provider's test hands the kit: a fresh plugin and the outside systems it talks to. */
export interface ContractEnvironment {
  readonly plugin: ConnectorPlugin;
  /** An integration whose outside system works. */
  readonly working: Omit<IntegrationConfig, 'config'> & { config: unknown };
  /** An integration whose outside system is down or refuses us. */
  readonly failing: Omit<IntegrationConfig, 'config'> & { config: unknown };
  /** Configs the schema must refuse, and the field each error must name (e.g. `/config/baseUrl`). */
  readonly invalidConfigs: readonly { readonly config: unknown; readonly field: string }[];
  /** For SCM providers: where to post. */
  readonly scmTarget?: {
    readonly owner: string;
    readonly repository: string;
    readonly pullRequestNumber: number;
    readonly commitSha: string;
  };
  /** For registry providers: an image the working registry holds. */
  readonly registryImage?: { readonly repository: string; readonly tag: string; readonly digest: string };
  /** The credentials the plugin gets (default: none). */
  readonly credentials?: CredentialsAccessor;
  /** The outbound client the plugin gets (default: loopback and any port allowed, for fakes). */
  readonly http?: HttpClient;
  teardown?(): Promise<void>;
}

export interface ContractSubject {
  setup(): Promise<ContractEnvironment>;
  /** Cases the provider cannot meet, each with the reason written down. */
  readonly exemptions?: Partial<Record<ContractCase, string>>;
}

/**
 * Runs the contract every provider meets. A provider's test calls it with a few lines:
 *
 * @example
 * runConnectorContract('in_memory', { setup: async () => ({ plugin: createInMemoryPlugin(), working, failing, invalidConfigs }) });
 */
export function runConnectorContract(name: string, subject: ContractSubject): void {
  describe(`connector contract: ${name}`, () => {
    let env: ContractEnvironment;
    let registry: PluginRegistry;
    const defaultHttp = testHttpClient();

    beforeAll(async () => {
      env = await subject.setup();
      registry = await loadPlugins([env.plugin], [], silentLogger);
    });
    afterAll(async () => {
      await env?.teardown?.();
      await defaultHttp.close();
    });

    const context = (which: 'working' | 'failing', signal = AbortSignal.timeout(15_000)): PluginContext => {
      const integration = env[which];
      const config = registry.validateConfig(env.plugin.provider, integration.type, integration.config);
      return {
        integration: { ...integration, config },
        http: env.http ?? defaultHttp,
        credentials: env.credentials ?? noCredentials,
        logger: silentLogger,
        signal,
        now: () => new Date(),
      };
    };
    const scm = (which: 'working' | 'failing') => {
      const client = env.plugin.scm?.(context(which));
      if (!client) throw new Error(`${name} declares scm capabilities but offers no scm client`);
      return client;
    };

    const contractCase = (
      title: ContractCase,
      body: () => Promise<void>,
      applies: () => boolean = () => true,
    ) => {
      const reason = subject.exemptions?.[title];
      if (reason) {
        it.skip(`${title} (exempt: ${reason})`, () => {});
        return;
      }
      it(title, async () => {
        // A case for a capability the plugin does not offer passes on that fact (a skip would read
        // as a missing server in CI): 'describes itself' checks the capability list matches the methods.
        if (!applies()) return;
        await body();
      });
    };
    const offers = (prefix: string) => () => env.plugin.capabilities.some((c) => c.startsWith(prefix));

    contractCase('describes itself', async () => {
      const { plugin } = env;

      expect(plugin.provider).toMatch(/^[a-z][a-z0-9_]{1,62}$/);
      expect(plugin.displayName.length).toBeGreaterThan(0);
      expect(plugin.types.length).toBeGreaterThan(0);
      for (const type of plugin.types) expect(INTEGRATION_TYPES).toContain(type);
      for (const capability of plugin.capabilities) expect(CAPABILITIES).toContain(capability);
      expect(plugin.configSchema).toMatchObject({ type: 'object' });
      expect(registry.failures()).toEqual([]);
      expect(Boolean(plugin.scm)).toBe(offers('scm.')());
      expect(Boolean(plugin.registry)).toBe(offers('registry.')());
      if (plugin.scm) {
        // The optional SCM method is offered exactly when its capability is declared.
        expect(typeof plugin.scm(context('working')).postInlineComments === 'function').toBe(
          plugin.capabilities.includes('scm.inline_comment'),
        );
      }
      const availability = await plugin.checkAvailability();
      if (!availability.available) expect(availability.reason).toBeTruthy();
    });

    contractCase('validates config', async () => {
      const { plugin, working } = env;

      expect(() => registry.validateConfig(plugin.provider, working.type, working.config)).not.toThrow();
      for (const { config, field } of env.invalidConfigs) {
        let error: unknown;
        try {
          registry.validateConfig(plugin.provider, working.type, config);
        } catch (caught) {
          error = caught;
        }
        expect(error, `config ${JSON.stringify(config)} should be refused`).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).details.map((d) => d.field)).toContain(field);
      }
    });

    contractCase('passes a connection test against a working system', async () => {
      const result = await env.plugin.testConnection(context('working'));

      expect(result.success).toBe(true);
      expect(result.message.length).toBeGreaterThan(0);
      expect(result.checks.length).toBeGreaterThan(0);
      for (const check of result.checks)
        expect(check).toEqual({ name: expect.any(String), ok: true, message: expect.any(String) });
    });

    contractCase('fails a connection test against a failing system without throwing', async () => {
      const result = await env.plugin.testConnection(context('failing'));

      expect(result.success).toBe(false);
      expect(result.checks.some((check) => !check.ok && check.message.length > 0)).toBe(true);
    });

    contractCase('reports health', async () => {
      const healthy = await env.plugin.checkHealth(context('working'));
      const failing = await env.plugin.checkHealth(context('failing'));

      expect(['healthy', 'degraded']).toContain(healthy.status);
      expect(['degraded', 'unhealthy']).toContain(failing.status);
      expect(failing.message.length).toBeGreaterThan(0);
    });

    contractCase('settles when its signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('caller gave up'));
      const started = performance.now();

      await Promise.allSettled([
        env.plugin.checkHealth(context('working', controller.signal)),
        env.plugin.testConnection(context('working', controller.signal)),
      ]);

      expect(performance.now() - started).toBeLessThan(2_000);
    });

    const target = () =>
      env.scmTarget ?? { owner: 'acme', repository: 'app', pullRequestNumber: 7, commitSha: 'a'.repeat(40) };

    contractCase(
      'ensures comments',
      async () => {
        const client = scm('working');
        const { owner, repository, pullRequestNumber } = target();
        const request = { owner, repository, pullRequestNumber, body: 'scan: 2 findings' };

        const first = await client.postComment(request);
        const same = await client.postComment(request);
        const changed = await client.postComment({ ...request, body: 'scan: 1 finding' });

        expect(first).toMatchObject({ success: true, isTransient: false, skippedOffline: false });
        expect(same.result).toMatchObject({ commentId: first.result?.commentId, action: 'unchanged' });
        expect(changed.result).toMatchObject({ commentId: first.result?.commentId, action: 'updated' });
      },
      offers('scm.comment'),
    );

    contractCase(
      'ensures statuses',
      async () => {
        const client = scm('working');
        const { owner, repository, commitSha } = target();
        const request = {
          owner,
          repository,
          commitSha,
          state: 'failure' as const,
          context: 'security/scan',
          description: '1 critical',
        };

        const first = await client.postStatus(request);
        const same = await client.postStatus(request);

        expect(first).toMatchObject({ success: true, result: { action: 'created' } });
        expect(same).toMatchObject({ success: true, result: { action: 'unchanged' } });
      },
      offers('scm.status'),
    );

    contractCase(
      'creates check runs',
      async () => {
        const client = scm('working');
        const { owner, repository, commitSha } = target();
        const annotations = Array.from({ length: 120 }, (_, i) => ({
          path: `src/file-${i}.ts`,
          startLine: i + 1,
          endLine: i + 1,
          annotationLevel: 'warning' as const,
          message: `finding ${i}`,
        }));

        const result = await client.createCheckRun({
          owner,
          repository,
          headSha: commitSha,
          name: 'security scan',
          status: 'completed',
          conclusion: 'failure',
          summary: '120 findings',
          annotations,
        });

        expect(result.success).toBe(true);
        expect(result.result?.checkRunId).toBeTruthy();
        expect(result.result?.annotationsPosted).toBe(120);
      },
      offers('scm.check_run'),
    );

    contractCase(
      'classifies SCM failures without throwing',
      async () => {
        const client = scm('failing');
        const { owner, repository, pullRequestNumber, commitSha } = target();

        const results = await Promise.all([
          client.postComment({ owner, repository, pullRequestNumber, body: 'x' }),
          client.postStatus({ owner, repository, commitSha, state: 'success', context: 'c' }),
          client.createCheckRun({ owner, repository, headSha: commitSha, name: 'n' }),
        ]);

        for (const result of results) {
          expect(result.success).toBe(false);
          expect(typeof result.isTransient).toBe('boolean');
          expect(result.errorMessage).toBeTruthy();
        }
      },
      offers('scm.'),
    );

    contractCase(
      'reads the registry',
      async () => {
        const connector = env.plugin.registry?.(context('working'));
        const image = env.registryImage;
        if (!connector || !image) throw new Error(`${name} offers registry capabilities: give registryImage`);

        const repositories = await connector.listRepositories({ pageSize: 100 });
        const tags = await connector.listTags(image.repository);
        const resolved = await connector.resolveReference(image.repository, image.tag);

        expect(repositories.items).toContain(image.repository);
        expect(tags.items).toContain(image.tag);
        expect(resolved.digest).toBe(image.digest);
        expect(resolved.mediaType).toMatch(/^application\/vnd\./);
      },
      offers('registry.'),
    );

    contractCase(
      'lists the referrers of an image when it says it can',
      async () => {
        const connector = env.plugin.registry?.(context('working'));
        const image = env.registryImage;
        if (!connector?.listReferrers || !image)
          throw new Error(
            `${name} offers registry.referrers: implement listReferrers and give registryImage`,
          );

        const all = await connector.listReferrers(image.repository, image.digest);
        const none = await connector.listReferrers(image.repository, image.digest, {
          artifactType: 'application/vnd.contract.none',
        });

        expect(['referrers_api', 'tag_schema']).toContain(all.source);
        for (const referrer of all.items) {
          expect(referrer.digest).toMatch(/^sha(256|512):[a-f0-9]+$/);
          expect(Number.isSafeInteger(referrer.size)).toBe(true);
        }
        expect(none.items).toEqual([]);
      },
      offers('registry.referrers'),
    );
  });
}

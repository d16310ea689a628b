import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REGISTRY_USERS,
  type RegistryAuth,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { createInlineCredentialsAccessor, type ResolvedCredential } from '../../secrets/index.js';
import { createRegistryConnector } from './client.js';
import { RegistryAuthError, RegistryProtocolError } from './errors.js';
import { loopbackClient, ociContext } from './oci.test-kit.js';
import { type CredentialExchange, createSession, createSharedState, type RegistryLogin } from './session.js';

/**
 * A credential exchange (what the cloud registries plug into the session) against a real registry
 * with Basic and with token authentication: the stored credential is a cloud secret, the registry
 * takes only the login the exchange makes from it.
 */

const available = await registryToolsAvailable();

/** An exchange that counts its calls and answers what `next` says (the admin login by default). */
function countingExchange() {
  const calls: string[] = [];
  let next: (call: number) => RegistryLogin | Promise<RegistryLogin> = () => ({
    username: 'admin',
    password: REGISTRY_USERS.admin,
  });
  const exchange: CredentialExchange = async (credential: ResolvedCredential) => {
    calls.push(credential.fingerprint);
    return next(calls.length);
  };
  return {
    exchange,
    calls,
    answer: (fn: typeof next) => {
      next = fn;
    },
  };
}

describe.skipIf(!available).each(['basic', 'token'] as const)(
  'an exchanged login, auth %s',
  (auth: RegistryAuth) => {
    let registry: TestRegistry;
    const http = loopbackClient();
    const cloudSecret = () =>
      createInlineCredentialsAccessor({ accessKey: 'AKIA-example', secretKey: 'not-a-login' });

    beforeAll(async () => {
      registry = await startRegistry({ auth });
    }, 60_000);
    afterAll(async () => {
      await registry?.stop();
      await http.close();
    });

    function connector(exchange: CredentialExchange, now = () => Date.now()) {
      const shared = createSharedState(now);
      const credentials = cloudSecret();
      return (id: string | null = 'cloud-1') =>
        createRegistryConnector(() =>
          createSession(ociContext({ endpoint: registry.url, http, credentials, id }), shared, {
            provider: 'cloud',
            exchange,
          }),
        );
    }

    it('exchanges once and reuses the login across operations', async () => {
      const { exchange, calls } = countingExchange();
      const open = connector(exchange);

      await open().listRepositories({ pageSize: 10 });
      await open().listRepositories({ pageSize: 10 });
      await open().listRepositories({ pageSize: 10 });

      expect(calls).toHaveLength(1);
    });

    it('exchanges again once the login is near its expiry', async () => {
      const { exchange, calls, answer } = countingExchange();
      let clock = Date.parse('2026-01-01T00:00:00Z');
      answer(() => ({ username: 'admin', password: REGISTRY_USERS.admin, expiresAt: clock + 600_000 }));
      const open = connector(exchange, () => clock);

      await open().listRepositories({ pageSize: 10 });
      clock += 500_000; // 100 s left: more than the 10 % margin
      await open().listRepositories({ pageSize: 10 });
      clock += 45_000; // 55 s left: inside it
      await open().listRepositories({ pageSize: 10 });

      expect(calls).toHaveLength(2);
    });

    it('does not share logins between unsaved integrations', async () => {
      const { exchange, calls } = countingExchange();
      const open = connector(exchange);

      await open(null).listRepositories({ pageSize: 10 });
      await open(null).listRepositories({ pageSize: 10 });

      expect(calls).toHaveLength(2);
    });

    it('reports a login the registry refuses, and does not keep it', async () => {
      const { exchange, calls, answer } = countingExchange();
      answer((call) => ({ username: 'admin', password: call === 1 ? 'revoked' : REGISTRY_USERS.admin }));
      const open = connector(exchange);

      const error = await open()
        .listRepositories({ pageSize: 10 })
        .catch((e: unknown) => e);
      const page = await open().listRepositories({ pageSize: 10 });

      expect(error).toBeInstanceOf(RegistryAuthError);
      expect((error as RegistryAuthError).reason).toBe('refused');
      expect(page.items).toEqual([]);
      expect(calls).toHaveLength(2);
    });

    it('passes on what the exchange throws, and refuses a login it cannot send', async () => {
      const failing = countingExchange();
      failing.answer(() => {
        throw new RegistryAuthError('the cloud refused the access key', { reason: 'refused' });
      });
      const unusable = countingExchange();
      unusable.answer(() => ({ username: 'AWS:x', password: 'p' }));

      await expect(connector(failing.exchange)().listRepositories({ pageSize: 1 })).rejects.toThrow(
        'the cloud refused the access key',
      );
      await expect(connector(unusable.exchange)().listRepositories({ pageSize: 1 })).rejects.toBeInstanceOf(
        RegistryProtocolError,
      );
    });
  },
);

import type { PageOf, PageOptions, RegistryConnector } from '../../plugins/contracts.js';
import { configuredPage, invalidCursor, pageSizeOf, readCursor, writeCursor } from '../../plugins/paging.js';
import { createRegistryConnector, RegistryAuthError } from '../oci/index.js';
import { describeRepositories } from './ecr-api.js';
import type { EcrOperation } from './exchange.js';

/**
 * The registry reader of the `ecr` provider. Repositories come from ECR's own API
 * (`DescribeRepositories`, which needs `ecr:DescribeRepositories`), or, when the key may not call it,
 * from `config.repositories`; with only a registry login (no AWS keys) from the registry's catalog as
 * `oci` reads it. Tags and manifests come from the registry's `/v2/` through the `oci` provider, with
 * the login `GetAuthorizationToken` made (reused across operations until shortly before it expires).
 */

export function createEcrRegistryConnector(operation: () => EcrOperation): RegistryConnector {
  const oci = () => createRegistryConnector(() => operation().session());
  return {
    listRepositories: async (options = {}) => listRepositories(operation(), options),
    listTags: async (repository, options = {}) => oci().listTags(repository, options),
    resolveReference: async (repository, reference) => oci().resolveReference(repository, reference),
    listReferrers: async (repository, digest, options) => oci().listReferrers(repository, digest, options),
  };
}

async function listRepositories(op: EcrOperation, options: PageOptions): Promise<PageOf<string>> {
  // Our largest page is ECR's largest (MAX_DESCRIBE_RESULTS), so one DescribeRepositories call fills it.
  const size = pageSizeOf(options);
  const { credentials } = op.context;
  const configured = [...(op.context.integration.config.repositories ?? [])].sort();
  // No AWS keys (anonymous, or a login alone): the registry's catalog, with its own cursors.
  if (!credentials.configured || op.keys.credentialOf(await credentials.get()).kind === 'login')
    return createRegistryConnector(() => op.session()).listRepositories(options);
  const cursor = cursorOf(options.cursor);
  if (cursor?.k === 'configured') return configuredPage(configured, size, cursor.t);
  try {
    const page = await credentials.withRetry(
      async (resolved) => {
        const { keys } = await op.keys.keysOf(resolved);
        return describeRepositories(op.context, op.endpoints(), keys, {
          maxResults: size,
          ...(cursor ? { nextToken: cursor.t } : {}),
        });
      },
      { isRejected: (error) => error instanceof RegistryAuthError && error.reason === 'refused' },
    );
    return {
      items: page.names,
      ...(page.nextToken !== undefined
        ? { nextCursor: writeCursor({ k: 'describe', t: page.nextToken }) }
        : {}),
    };
  } catch (error) {
    // The key may pull but not list: the configured repositories stand in, as with `oci`'s catalog.
    const notGranted = error instanceof RegistryAuthError && error.reason === 'not_granted';
    if (!notGranted || configured.length === 0 || cursor) throw error;
    return configuredPage(configured, size, undefined);
  }
}

interface Cursor {
  /** `describe`: ECR's nextToken; `configured`: the last name given from config.repositories. */
  readonly k: 'describe' | 'configured';
  readonly t: string;
}

function cursorOf(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  const parsed = readCursor(raw);
  if (
    (parsed.k !== 'describe' && parsed.k !== 'configured') ||
    typeof parsed.t !== 'string' ||
    parsed.t === ''
  )
    throw invalidCursor();
  return { k: parsed.k, t: parsed.t };
}

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectionTestOutcome } from '../catalog/connection-tester.js';
import type { Integration } from '../core/integration.js';
import { type ApiClient, createApiClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';
import { renderTable } from './table.js';

interface AuditRow {
  at: string;
  actor: string;
  action: string;
  purpose: string;
  outcome: string;
  reference: string | null;
  version: string | null;
  fingerprint: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

function print(options: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

function describe(integration: Integration): string {
  const rows: [string, string][] = [
    ['id', integration.id],
    ['name', integration.name],
    ['type', integration.type],
    ['provider', integration.provider],
    ['endpoint', integration.endpoint],
    ['authRef', integration.authRef ?? '-'],
    ['enabled', String(integration.enabled)],
    ['status', integration.status],
    [
      'health',
      `${integration.health.status}${integration.health.message ? ` (${integration.health.message})` : ''}`,
    ],
    ['tags', integration.tags.join(', ') || '-'],
    ['owner', integration.owner ?? '-'],
    ['config', JSON.stringify(integration.config)],
    ['version', String(integration.version)],
    ['updated', `${integration.updatedAt} by ${integration.updatedBy}`],
  ];
  return rows.map(([key, value]) => `${key.padEnd(9)} ${value}`).join('\n') + '\n';
}

/** Finds an integration by id or by exact name. */
async function resolve(
  client: ApiClient,
  idOrName: string,
): Promise<{ integration: Integration; etag: string | null }> {
  if (UUID.test(idOrName)) {
    const { body, etag } = await client.get<Integration>(`/api/v1/integrations/${idOrName}`);
    return { integration: body, etag };
  }
  const { body } = await client.get<{ items: Integration[] }>(
    `/api/v1/integrations?pageSize=500&q=${encodeURIComponent(idOrName)}`,
  );
  const match = body.items.find((item) => item.name === idOrName);
  if (!match) throw new CliError(`no integration named '${idOrName}'`, EXIT.notFound);
  return { integration: match, etag: `"${match.version}"` };
}

function parseJsonOption(value: string, what: string): Record<string, unknown> {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${what} must be a JSON object (or @file): ${(error as Error).message}`, EXIT.usage);
  }
}

/** A credentials file: a JSON object of strings, or the secret itself (one trailing newline dropped). */
function readCredentials(path: string): string | Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --credentials-file: ${(error as Error).message}`, EXIT.usage);
  }
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new CliError('--credentials-file starts like JSON but is not valid JSON', EXIT.usage);
    }
  }
  return text.replace(/\r?\n$/, '');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `integrations list|get|create|update|delete`, against a running service. */
export function registerIntegrationCommands(program: Command): void {
  const client = () => {
    const options = program.opts<GlobalOptions>();
    return createApiClient({ url: options.url, token: options.token });
  };
  const globals = () => program.opts<GlobalOptions>();

  program
    .command('list')
    .description('list integrations')
    .option('--type <type>', 'only this type')
    .option('--provider <provider>', 'only this provider')
    .option('--tag <tag>', 'only integrations with this tag')
    .option('--health <health>', 'only this health: unknown, healthy, degraded, unhealthy')
    .option('-q, --query <text>', 'name or owner contains this')
    .option('--all', 'follow every page')
    .action(
      async (options: {
        type?: string;
        provider?: string;
        tag?: string;
        health?: string;
        query?: string;
        all?: boolean;
      }) => {
        const query = new URLSearchParams({ pageSize: '500' });
        for (const key of ['type', 'provider', 'tag', 'health'] as const)
          if (options[key]) query.set(key, options[key]!);
        if (options.query) query.set('q', options.query);
        const items: Integration[] = [];
        let nextPageToken: string | null = null;
        do {
          if (nextPageToken) query.set('pageToken', nextPageToken);
          const { body } = await client().get<{ items: Integration[]; nextPageToken: string | null }>(
            `/api/v1/integrations?${query}`,
          );
          items.push(...body.items);
          nextPageToken = options.all ? body.nextPageToken : null;
        } while (nextPageToken);
        print(globals(), { items }, () =>
          renderTable(
            ['NAME', 'TYPE', 'PROVIDER', 'ENABLED', 'HEALTH', 'ENDPOINT', 'ID'],
            items.map((i) => [
              i.name,
              i.type,
              i.provider,
              i.enabled ? 'yes' : 'no',
              i.health.status,
              i.endpoint,
              i.id,
            ]),
          ),
        );
      },
    );

  program
    .command('get')
    .description('show one integration')
    .argument('<id-or-name>')
    .action(async (idOrName: string) => {
      const { integration } = await resolve(client(), idOrName);
      print(globals(), integration, () => describe(integration));
    });

  program
    .command('create')
    .description('register an integration')
    .option('-f, --file <file>', 'JSON file with the whole registration (flags override its fields)')
    .option('--name <name>')
    .option('--type <type>', 'scm, registry, ci, runtime_host, repo_source, feed_mirror')
    .option('--provider <provider>', 'provider id, see GET /api/v1/providers')
    .option('--endpoint <url>')
    .option('--auth-ref <authref>', 'authref://<store>/<path>')
    .option('--config <json>', 'provider config as JSON or @file')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--owner <owner>')
    .option('--disabled', 'register it switched off')
    .option(
      '--credentials-file <file>',
      'the secret (a string, or a JSON object of strings), stored encrypted',
    )
    .action(async (options: Record<string, string | string[] | boolean | undefined>) => {
      const body: Record<string, unknown> = options.file
        ? parseJsonOption(`@${options.file as string}`, '--file')
        : {};
      if (options.name) body.name = options.name;
      if (options.type) body.type = options.type;
      if (options.provider) body.provider = options.provider;
      if (options.endpoint) body.endpoint = options.endpoint;
      if (options.authRef) body.authRef = options.authRef;
      if (options.config) body.config = parseJsonOption(options.config as string, '--config');
      if (options.tag) body.tags = options.tag;
      if (options.owner) body.owner = options.owner;
      if (options.disabled) body.enabled = false;
      if (options.credentialsFile) body.credentials = readCredentials(options.credentialsFile as string);
      const { body: created } = await client().post<Integration>('/api/v1/integrations', body);
      print(globals(), created, () => describe(created));
    });

  program
    .command('update')
    .description('change an integration (config is merged)')
    .argument('<id-or-name>')
    .option('--name <name>')
    .option('--endpoint <url>')
    .option('--auth-ref <authref>', 'authref://<store>/<path>, or "none" to clear')
    .option('--config <json>', 'config changes as JSON (merged; null removes a key) or @file')
    .option('--tag <tag>', 'replace the tags (repeatable)', collect)
    .option('--owner <owner>')
    .option('--credentials-file <file>', 'new credentials (a string, or a JSON object of strings)')
    .option('--enable', 'switch on')
    .option('--disable', 'switch off')
    .action(async (idOrName: string, options: Record<string, string | string[] | boolean | undefined>) => {
      const patch: Record<string, unknown> = {};
      if (options.name) patch.name = options.name;
      if (options.endpoint) patch.endpoint = options.endpoint;
      if (options.authRef) patch.authRef = options.authRef === 'none' ? null : options.authRef;
      if (options.config) patch.config = parseJsonOption(options.config as string, '--config');
      if (options.tag) patch.tags = options.tag;
      if (options.owner) patch.owner = options.owner;
      if (options.enable && options.disable)
        throw new CliError('--enable and --disable exclude each other', EXIT.usage);
      if (options.credentialsFile) patch.credentials = readCredentials(options.credentialsFile as string);
      if (options.enable) patch.enabled = true;
      if (options.disable) patch.enabled = false;
      if (Object.keys(patch).length === 0)
        throw new CliError('nothing to change: give at least one option', EXIT.usage);
      const api = client();
      const { integration, etag } = await resolve(api, idOrName);
      const { body: updated } = await api.patch<Integration>(
        `/api/v1/integrations/${integration.id}`,
        patch,
        etag ?? undefined,
      );
      print(globals(), updated, () => describe(updated));
    });

  program
    .command('test')
    .description('test the connection of an integration (exit 7 when it does not work)')
    .argument('<id-or-name>')
    .action(async (idOrName: string) => {
      const api = client();
      const { integration } = await resolve(api, idOrName);
      const { body } = await api.post<ConnectionTestOutcome>(
        `/api/v1/integrations/${integration.id}/test`,
        {},
      );
      print(globals(), body, () => {
        const verdict = body.success ? 'works' : 'FAILED';
        const table = renderTable(
          ['CHECK', 'RESULT', 'MESSAGE'],
          body.checks.map((check) => [check.name, check.ok ? 'ok' : 'FAILED', check.message]),
        );
        return `${integration.name}: ${verdict} in ${body.latencyMs} ms: ${body.message}\n${table}`;
      });
      if (!body.success) process.exitCode = EXIT.testFailed;
    });

  program
    .command('audit')
    .description('the credential audit trail of your tenant, newest first (admin token)')
    .option('--action <action>', 'resolve, create, replace, delete, rotate_master_key')
    .option('--outcome <outcome>', 'success, denied, not_found, error, …')
    .option('--integration <id-or-name>', 'only this integration')
    .option('--limit <n>', 'how many records', '50')
    .action(async (options: { action?: string; outcome?: string; integration?: string; limit: string }) => {
      const api = client();
      const query = new URLSearchParams({ pageSize: options.limit });
      if (options.action) query.set('action', options.action);
      if (options.outcome) query.set('outcome', options.outcome);
      if (options.integration)
        query.set('integrationId', (await resolve(api, options.integration)).integration.id);
      const { body } = await api.get<{ items: AuditRow[] }>(`/api/v1/audit?${query}`);
      print(globals(), body, () =>
        renderTable(
          ['AT', 'ACTOR', 'ACTION', 'PURPOSE', 'OUTCOME', 'REFERENCE', 'VERSION', 'FINGERPRINT'],
          body.items.map((r) => [
            r.at,
            r.actor,
            r.action,
            r.purpose,
            r.outcome,
            r.reference ?? '-',
            r.version ?? '-',
            r.fingerprint ?? '-',
          ]),
        ),
      );
    });

  program
    .command('delete')
    .description('delete an integration')
    .argument('<id-or-name>')
    .action(async (idOrName: string) => {
      const api = client();
      const { integration, etag } = await resolve(api, idOrName);
      await api.delete(`/api/v1/integrations/${integration.id}`, etag ?? undefined);
      print(
        globals(),
        { deleted: integration.id },
        () => `deleted ${integration.name} (${integration.id})\n`,
      );
    });
}

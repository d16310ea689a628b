import type { Command } from 'commander';
import { createTokenService, type TokenService } from '../catalog/token-service.js';
import { loadConfig } from '../config/load-config.js';
import { createIdGenerator } from '../core/ids.js';
import { silentLogger } from '../core/logger.js';
import { SCOPES, type Scope } from '../core/scopes.js';
import { openDatabase } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { createStore } from '../store/store.js';
import { CliError, EXIT } from './exit-codes.js';
import { renderTable } from './table.js';

/** Runs `work` with a token service on the configured database (an operator command: no running service needed). */
async function withTokens<T>(work: (tokens: TokenService) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
    const tokens = createTokenService({
      store: createStore(database),
      newId: createIdGenerator(),
      now: () => new Date(),
      logger: silentLogger,
    });
    return await work(tokens);
  } finally {
    await database.close();
  }
}

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0)
    throw new CliError(`unknown scope ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`, EXIT.usage);
  return scopes as Scope[];
}

/** `integrations tokens create|list|revoke`, working on the database directly. */
export function registerTokenCommands(program: Command): void {
  // The program's global --json takes the flag wherever it stands, so this command's own never sees it.
  const json = (options: { json?: boolean }) => options.json ?? program.opts<{ json?: boolean }>().json;
  const tokens = program
    .command('tokens')
    .description('manage API tokens in the database (operator command)');

  tokens
    .command('create')
    .description('create a token; prints the secret once')
    .requiredOption('--tenant <tenant>', 'tenant the token belongs to')
    .requiredOption('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')}`, parseScopes)
    .option('--name <name>', 'a name to recognise the token by', 'cli')
    .option('--json', 'print JSON')
    .action(async (options: { tenant: string; scopes: Scope[]; name: string; json?: boolean }) => {
      const { token, view } = await withTokens((service) =>
        service.create({
          tenantId: options.tenant,
          name: options.name,
          scopes: options.scopes,
          createdBy: 'cli',
        }),
      );
      if (json(options)) {
        process.stdout.write(`${JSON.stringify({ token, tokenInfo: view }, null, 2)}\n`);
      } else {
        process.stderr.write(
          `created token ${view.id} for tenant ${view.tenantId} (${view.scopes.join(', ')}); it is shown only now:\n`,
        );
        process.stdout.write(`${token}\n`);
      }
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (options: { tenant?: string; json?: boolean }) => {
      const views = await withTokens((service) => service.list(options.tenant ?? null));
      if (json(options)) return void process.stdout.write(`${JSON.stringify({ items: views }, null, 2)}\n`);
      process.stdout.write(
        renderTable(
          ['ID', 'TENANT', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
          views.map((v) => [
            v.id,
            v.tenantId,
            v.name,
            v.scopes.join(','),
            v.createdAt,
            v.lastUsedAt ?? '-',
            v.revokedAt ?? '-',
          ]),
        ),
      );
    });

  tokens
    .command('revoke')
    .description('revoke a token')
    .argument('<id>', 'token id')
    .requiredOption('--tenant <tenant>', 'tenant of the token')
    .action(async (id: string, options: { tenant: string }) => {
      await withTokens((service) => service.revoke(options.tenant, id));
      process.stderr.write(`revoked token ${id}\n`);
    });
}

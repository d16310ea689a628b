import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { createEgressPolicy, createHttpClient } from '../net/index.js';
import { createSecrets, retireUnusedMasterKeys } from '../secrets/index.js';
import { openDatabase } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { createStore } from '../store/store.js';
import { renderTable } from './table.js';

/** `integrations keys rotate|retire`: master key rotation, on the database directly (operator commands). */
export function registerKeyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('rotate the master key that wraps stored secrets (operator command)');

  keys
    .command('rotate')
    .description(
      'introduce a new master key (with a key file) and rewrap every data key; old secrets keep decrypting',
    )
    .action(async () => {
      const report = await withSecrets(async ({ secrets }) => secrets.rotateMasterKey({ actor: 'cli' }));
      if (program.opts<{ json?: boolean }>().json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `active master key ${report.activeKeyId}${report.introduced ? ' (new)' : ''}: ` +
          `rewrapped ${report.rewrapped} data keys, ${report.failed} could not be (their master key is missing here)\n`,
      );
      process.stdout.write(
        renderTable(
          ['MASTER KEY', 'DATA KEYS'],
          Object.entries(report.dataKeysByMasterKey).map(([id, count]) => [id, String(count)]),
        ),
      );
      if (report.unusedKeyIds.length > 0) {
        process.stdout.write(
          `no longer used (remove with 'integrations keys retire'): ${report.unusedKeyIds.join(', ')}\n`,
        );
      }
      if (report.failed > 0) process.exitCode = 1;
    });

  keys
    .command('retire')
    .description('remove master keys that wrap no data key any more from the key file')
    .action(async () => {
      const retired = await withSecrets(({ secrets, store }) =>
        retireUnusedMasterKeys({ store, masterKeys: secrets.masterKeys }),
      );
      process.stdout.write(
        retired.length === 0 ? 'no unused master key\n' : `retired ${retired.join(', ')}\n`,
      );
    });
}

async function withSecrets<T>(
  work: (deps: {
    secrets: ReturnType<typeof createSecrets>;
    store: ReturnType<typeof createStore>;
  }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env);
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const http = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] }),
    offline: true,
  });
  try {
    await migrateToLatest(database);
    const store = createStore(database);
    const secrets = createSecrets(config, { store, http });
    try {
      return await work({ secrets, store });
    } finally {
      await secrets.close();
    }
  } finally {
    await http.close();
    await database.close();
  }
}

import { loadConfig } from '../config/load-config.js';
import { openDatabase } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';

/** `integrations migrate`: brings the database schema up to date and says what it applied. */
export async function migrate(): Promise<void> {
  const config = loadConfig(process.env);
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrateToLatest(database);
    process.stdout.write(
      applied.length === 0
        ? `${database.location}: schema is up to date\n`
        : `${database.location}: applied ${applied.join(', ')}\n`,
    );
  } finally {
    await database.close();
  }
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../app.js';
import { ConfigError } from '../core/errors.js';
import { registerAnnotateCommands } from './annotate.js';
import { CliError, EXIT } from './exit-codes.js';
import { registerIntegrationCommands } from './integrations.js';
import { registerKeyCommands } from './keys.js';
import { migrate } from './migrate.js';
import { registerRegistryCommands } from './registry.js';
import { serve } from './serve.js';
import { registerTokenCommands } from './tokens.js';

const program = new Command('integrations')
  .description('The integrations catalog: run the service, manage its database, and use its API.')
  .version(VERSION)
  .option(
    '--url <url>',
    'service URL (or INTEGRATIONS_URL)',
    process.env.INTEGRATIONS_URL ?? 'http://127.0.0.1:8080',
  )
  .option('--token <token>', 'API token (or INTEGRATIONS_TOKEN)', process.env.INTEGRATIONS_TOKEN)
  .option('--json', 'print JSON instead of tables')
  .exitOverride();

program.command('serve').description('start the service on its configured address').action(serve);
program.command('migrate').description('bring the database schema up to date').action(migrate);
registerTokenCommands(program);
registerKeyCommands(program);
registerIntegrationCommands(program);
registerAnnotateCommands(program);
registerRegistryCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.config;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  process.stderr.write(`error: ${message}\n`);
  return code === 'invalid_request' ? EXIT.usage : code === 'not_found' ? EXIT.notFound : EXIT.failure;
}

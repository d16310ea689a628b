import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Tests that need a server which a developer's machine may lack (PostgreSQL) skip there with a message,
 * and fail in CI, where every such server must run (`CI=true` or INTEGRATIONS_TEST_REQUIRE_SERVICES=1).
 */
export const servicesRequired =
  process.env.CI === 'true' || process.env.INTEGRATIONS_TEST_REQUIRE_SERVICES === '1';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Resolves to true when PostgreSQL answers. Otherwise warns and resolves false (skip), or throws
 * when services are required.
 */
export async function postgresAvailable(): Promise<boolean> {
  const problem = await postgresAnswers();
  if (!problem) return true;
  const message = `PostgreSQL at ${TEST_POSTGRES_URL} does not answer (${problem})`;
  if (servicesRequired) throw new Error(`${message}; CI requires it`);
  console.warn(`skipping PostgreSQL tests: ${message}. Set TEST_DATABASE_URL to run them.`);
  return false;
}

/** A fresh schema in the test database, so suites never see each other's rows. */
export async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Skips (with a message) or, when services are required, fails for a server that does not answer. */
function serviceAvailable(what: string, url: string, variable: string, problem: string | undefined): boolean {
  if (!problem) return true;
  const message = `${what} at ${url} does not answer (${problem})`;
  if (servicesRequired) throw new Error(`${message}; CI requires it`);
  console.warn(`skipping ${what} tests: ${message}. Set ${variable} to run them.`);
  return false;
}

/** Resolves to true when NATS answers with JetStream enabled (see `postgresAvailable`). */
export async function natsAvailable(): Promise<boolean> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  let problem: string | undefined;
  try {
    const nc = await connect({ servers: TEST_NATS_URL, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo();
    } finally {
      await nc.close();
    }
  } catch (error) {
    problem = (error as Error).message;
  }
  return serviceAvailable('NATS JetStream', TEST_NATS_URL, 'TEST_NATS_URL', problem);
}

/** Resolves to true when Redis answers PING (see `postgresAvailable`). */
export async function redisAvailable(): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  let problem: string | undefined;
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problem = (error as Error).message;
  } finally {
    redis.disconnect();
  }
  return serviceAvailable('Redis', TEST_REDIS_URL, 'TEST_REDIS_URL', problem);
}

import closeWithGrace from 'close-with-grace';
import { createApp } from '../app.js';
import { loadConfig } from '../config/load-config.js';

/** `integrations serve`: starts the service and stops it cleanly on SIGTERM or SIGINT. */
export async function serve(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig(process.env);
  const app = await createApp(config);
  const grace = closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.logger.error({ err }, 'stopping after an unexpected error');
    app.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    app.logger.info('stopped');
  });
  let address: string;
  try {
    address = await app.api.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Without this, close-with-grace's 'beforeExit' handler would treat the failed start as a clean stop: exit 0.
    grace.uninstall();
    await app.close();
    throw error;
  }
  app.logger.info(
    { address, startupMs: Math.round(performance.now() - startedAt), docs: `${address}/docs` },
    `listening on ${address}`,
  );
}

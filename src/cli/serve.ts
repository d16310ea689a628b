import closeWithGrace from 'close-with-grace';
import { createApp } from '../app.js';
import { loadConfig } from '../config/load-config.js';

/** `integrations serve`: starts the service and stops it cleanly on SIGTERM or SIGINT. */
export async function serve(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig(process.env);
  const app = await createApp(config);
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.logger.error({ err }, 'stopping after an unexpected error');
    app.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    app.logger.info('stopped');
  });
  const address = await app.api.listen({ host: config.host, port: config.port });
  app.logger.info(
    { address, startupMs: Math.round(performance.now() - startedAt), docs: `${address}/docs` },
    `listening on ${address}`,
  );
}

import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

/**
 * Paths pino blanks out, a backstop behind the rule that secrets never reach a log call at all.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.token',
  '*.password',
  '*.privateKey',
  '*.secret',
  '*.credentials',
  'credentials',
];

/**
 * The service's structured logger: JSON lines on standard output, ISO timestamps, secrets redacted.
 *
 * @example
 * const logger = createLogger('info');
 * logger.info({ integrationId, provider }, 'integration created');
 */
export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'integrations' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

import { UpstreamError } from '../../core/errors.js';
import { type HttpClient, HttpError, OfflineError } from '../../net/index.js';
import { CLOUDEVENTS_JSON } from '../cloud-event.js';
import type { ResolveSecret } from '../env-secret.js';
import { SIGNATURE_HEADER, signatureHeader } from '../signature.js';
import type { WebhookSinkConfig } from '../sink-config.js';
import type { EventSink } from './sink.js';

export interface WebhookSinkDeps {
  /** The service's outbound client: egress policy, timeouts, circuit breakers, metrics. */
  readonly http: HttpClient;
  readonly resolveSecret: ResolveSecret;
  readonly now: () => Date;
}

/** Any answer larger than this is not read further (we only need the status). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs each event as a structured CloudEvent (`content-type: application/cloudevents+json`), signed
 * in `x-integrations-signature` (see signature.ts), with `idempotency-key: <event id>`.
 * 2xx is delivered; 4xx other than 408 and 429 is permanent (parked: the receiver refuses this event);
 * everything else (5xx, 408, 429, 3xx, timeouts, network, egress refusals) is transient.
 * Redirects are not followed. The POST is not repeated by the HTTP client: the relay retries.
 */
export function createWebhookSink(config: WebhookSinkConfig, deps: WebhookSinkDeps): EventSink {
  return {
    name: config.name,
    kind: 'webhook',
    timeoutMs: config.timeoutMs,
    async publish({ event, body }, signal) {
      const secret = await deps.resolveSecret(config.secretRef);
      const timestamp = Math.floor(deps.now().getTime() / 1000);
      let status: number;
      try {
        const response = await deps.http.request({
          method: 'POST',
          url: config.url,
          body,
          headers: {
            'content-type': CLOUDEVENTS_JSON,
            [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
            'idempotency-key': event.id,
          },
          redirect: 'manual',
          timeoutMs: config.timeoutMs,
          maxResponseBytes: MAX_RESPONSE_BYTES,
          signal,
          provider: 'event_webhook',
          operation: 'deliver_event',
        });
        status = response.status;
      } catch (error) {
        if (error instanceof HttpError && error.status !== undefined && error.status < 300) return;
        throw classify(config.name, error);
      }
      if (status >= 300) {
        throw new UpstreamError(
          `${config.name}: webhook answered HTTP ${status} (redirects are not followed)`,
          {
            isTransient: true,
          },
        );
      }
    },
    async close() {
      // The HTTP client belongs to the app, which closes it.
    },
  };
}

function classify(sink: string, error: unknown): UpstreamError {
  if (error instanceof HttpError) {
    const status = error.status;
    const permanent =
      status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
    return new UpstreamError(`${sink}: ${error.message}`, { isTransient: !permanent, cause: error });
  }
  if (error instanceof OfflineError) {
    return new UpstreamError(`${sink}: ${error.message}`, { isTransient: true, cause: error });
  }
  if (error instanceof UpstreamError) return error;
  return new UpstreamError(`${sink}: ${(error as Error).message}`, { isTransient: true, cause: error });
}

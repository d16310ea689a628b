import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '../../src/events/signature.js';

/** A CloudEvent as a receiver got it. */
export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly source: string;
  readonly time: string;
  readonly tenantid: string;
  readonly specversion: string;
  readonly datacontenttype: string;
  readonly data: Record<string, any>;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Events answered 2xx, in arrival order (a redelivery appears again). */
  readonly accepted: ReceivedEvent[];
  /** Every delivery try with a valid signature, whatever the answer. */
  readonly attempts: ReceivedEvent[];
  /** Requests refused for a missing or wrong signature or content type. */
  readonly refused: () => number;
  /** How often each event id was accepted. */
  countById(): Map<string, number>;
  /** Decides the status of each signed delivery (default 204). */
  respond(decide: (event: ReceivedEvent, attempt: number) => number): void;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that does what the README tells receivers to do: verify
 * `x-integrations-signature` over the raw body before parsing, then record the event.
 *
 * @example
 * const receiver = await startWebhookReceiver('s3cret');
 * // configure { kind: 'webhook', url: receiver.url, secretRef: 'authref://env/…' }
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const accepted: ReceivedEvent[] = [];
  const attempts: ReceivedEvent[] = [];
  let refused = 0;
  let decide: (event: ReceivedEvent, attempt: number) => number = () => 204;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = request.headers[SIGNATURE_HEADER];
      if (
        request.headers['content-type'] !== 'application/cloudevents+json' ||
        !verifySignature(secret, typeof signature === 'string' ? signature : undefined, raw)
      ) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      const event = JSON.parse(raw.toString('utf8')) as ReceivedEvent;
      attempts.push(event);
      const status = decide(event, attempts.filter((e) => e.id === event.id).length);
      if (status >= 200 && status < 300) accepted.push(event);
      response.writeHead(status).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/events`,
    accepted,
    attempts,
    refused: () => refused,
    countById() {
      const counts = new Map<string, number>();
      for (const event of accepted) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      return counts;
    },
    respond(next) {
      decide = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

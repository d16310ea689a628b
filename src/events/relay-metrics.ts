import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxDeliveryRepository } from '../store/outbox-delivery-repository.js';

/** How one delivery try ended. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'parked';

export interface RelayMetrics {
  readonly deliveries: Counter<'sink' | 'outcome'>;
}

/**
 * The relay's metrics. The gauges read the outbox when scraped, so they are right whichever instance
 * relays: `integrations_outbox_depth` (events not yet delivered to every sink, parked ones included),
 * `integrations_outbox_oldest_undelivered_age_seconds`, `integrations_outbox_parked_deliveries`.
 */
export function createRelayMetrics(
  registry: Registry | undefined,
  repository: OutboxDeliveryRepository,
  now: () => Date,
): RelayMetrics {
  const registers = registry ? [registry] : [];
  let pending: ReturnType<OutboxDeliveryRepository['stats']> | undefined;
  // One query serves the three gauges of a scrape.
  const stats = () => {
    pending ??= repository.stats().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new Gauge({
    name: 'integrations_outbox_depth',
    help: 'Events in the outbox not yet delivered to every sink (parked ones included).',
    registers,
    async collect() {
      this.set((await stats()).depth);
    },
  });
  new Gauge({
    name: 'integrations_outbox_oldest_undelivered_age_seconds',
    help: 'Age of the oldest event not yet delivered to every sink; 0 when there is none.',
    registers,
    async collect() {
      const oldest = (await stats()).oldestUndeliveredAt;
      this.set(oldest === null ? 0 : Math.max(0, (now().getTime() - Date.parse(oldest)) / 1000));
    },
  });
  new Gauge({
    name: 'integrations_outbox_parked_deliveries',
    help: 'Deliveries parked after a permanent failure, waiting for POST /api/v1/events/{id}/retry.',
    registers,
    async collect() {
      this.set((await stats()).parked);
    },
  });
  return {
    deliveries: new Counter({
      name: 'integrations_event_deliveries_total',
      help: 'Event delivery tries, by sink and outcome (delivered, failed: will retry, parked).',
      labelNames: ['sink', 'outcome'],
      registers,
    }),
  };
}

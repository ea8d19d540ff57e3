import { MemoryBus } from '../memory-bus/memory-bus.js';
import type { Bus, BusEvent, BusStatus, BusSubscription } from '../../ports/bus.js';

/**
 * A node's events reach its own subscribers in-process and other nodes over the network
 * bus (whose connection is opened with `noEcho`, so nothing arrives twice). Delivery within
 * a node therefore goes on while NATS is down; other nodes catch up when it is back.
 */
export class LocalFirstBus implements Bus {
  readonly engine: string;
  readonly lossy: boolean;
  readonly #local = new MemoryBus();
  readonly #remote: Bus;

  constructor(remote: Bus) {
    this.#remote = remote;
    this.engine = remote.engine;
    this.lossy = remote.lossy;
  }

  publish(subject: string, event: BusEvent): void {
    this.#local.publish(subject, event);
    this.#remote.publish(subject, event);
  }

  subscribe(subject: string, handler: (event: BusEvent) => void): BusSubscription {
    const local = this.#local.subscribe(subject, handler);
    const remote = this.#remote.subscribe(subject, handler);
    return {
      unsubscribe: () => {
        local.unsubscribe();
        remote.unsubscribe();
      },
    };
  }

  onStatus(listener: (status: BusStatus) => void): void {
    this.#remote.onStatus(listener);
  }

  async flush(): Promise<void> {
    await Promise.all([this.#local.flush(), this.#remote.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.#local.close(), this.#remote.close()]);
  }
}

import type { Bus, BusEvent, BusStatus, BusSubscription } from '../../ports/bus.js';

/**
 * The in-process Bus for embedded mode. Delivery is asynchronous (a microtask after publish)
 * like a network bus, and in publish order across all subjects.
 */
export class MemoryBus implements Bus {
  readonly engine = 'memory';
  readonly lossy = false;
  readonly #handlers = new Map<string, Set<(event: BusEvent) => void>>();
  #queue: Array<{ subject: string; event: BusEvent }> = [];
  #scheduled = false;
  #closed = false;
  #drained: Array<() => void> = [];

  publish(subject: string, event: BusEvent): void {
    if (this.#closed) return;
    this.#queue.push({ subject, event });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#deliver());
    }
  }

  subscribe(subject: string, handler: (event: BusEvent) => void): BusSubscription {
    let set = this.#handlers.get(subject);
    if (!set) {
      set = new Set();
      this.#handlers.set(subject, set);
    }
    // A wrapper per subscription, so subscribing one function twice gives two independent
    // subscriptions (as on a network bus) instead of one shared Set entry.
    const entry = (event: BusEvent) => handler(event);
    set.add(entry);
    let active = true;
    return {
      unsubscribe: () => {
        if (!active) return;
        active = false;
        const current = this.#handlers.get(subject);
        current?.delete(entry);
        if (current?.size === 0) this.#handlers.delete(subject);
      },
    };
  }

  onStatus(_listener: (status: BusStatus) => void): void {
    // An in-process bus is always connected; it never reports a change.
  }

  flush(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    this.#queue = [];
    return Promise.resolve();
  }

  #deliver(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (const { subject, event } of queue) {
      const handlers = this.#handlers.get(subject);
      if (!handlers) continue;
      for (const handler of [...handlers]) {
        try {
          handler(event);
        } catch {
          // A failing subscriber must not stop delivery to the others.
        }
      }
    }
    const drained = this.#drained;
    this.#drained = [];
    for (const resolve of drained) resolve();
  }
}

/** An encoded event handed to the bus and not yet confirmed by a server. */
export interface ResendEntry {
  readonly n: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** The connection it was last written to; null while it waits for a connection. */
  sentOn: string | null;
}

/**
 * Published events a server has not confirmed yet, oldest first. nats.js discards its write
 * buffer at every reconnect attempt, so whatever was written to a dying connection or published
 * while disconnected would be lost; the bus keeps it here until a PING/PONG round trip on the
 * same connection proves the server received it, and writes it again after a reconnect.
 * Bounded by bytes: past the limit the oldest events are dropped (receivers then catch up from
 * the store at their next gap or resync).
 */
export class ResendQueue {
  #entries: ResendEntry[] = [];
  #bytes = 0;
  #next = 1;

  constructor(readonly maxBytes: number) {}

  /** Everything not confirmed yet, oldest first. */
  get entries(): readonly ResendEntry[] {
    return this.#entries;
  }

  /** The position a confirmation started now would cover (everything added so far). */
  get mark(): number {
    return this.#next - 1;
  }

  /** Queues an event; returns it and how many old events were dropped to stay under the limit. */
  add(subject: string, data: Uint8Array): { entry: ResendEntry; dropped: number } {
    const entry: ResendEntry = { n: this.#next++, subject, data, sentOn: null };
    this.#entries.push(entry);
    this.#bytes += data.byteLength;
    let dropped = 0;
    while (this.#bytes > this.maxBytes && dropped < this.#entries.length - 1) {
      this.#bytes -= this.#entries[dropped]!.data.byteLength;
      dropped += 1;
    }
    if (dropped > 0) this.#entries.splice(0, dropped);
    return { entry, dropped };
  }

  /** Forgets one entry (e.g. one the transport refused outright). */
  remove(entry: ResendEntry): void {
    const i = this.#entries.indexOf(entry);
    if (i < 0) return;
    this.#entries.splice(i, 1);
    this.#bytes -= entry.data.byteLength;
  }

  /**
   * A round trip on `connection` completed that was started at position `upTo`: entries up to
   * there written on that same connection reached the server. Stops at the first entry written
   * elsewhere, which a reconnect will write again.
   */
  confirm(upTo: number, connection: string): void {
    let k = 0;
    for (const entry of this.#entries) {
      if (entry.n > upTo || entry.sentOn !== connection) break;
      this.#bytes -= entry.data.byteLength;
      k += 1;
    }
    if (k > 0) this.#entries.splice(0, k);
  }

  /** Forgets everything (on close). */
  clear(): void {
    this.#entries = [];
    this.#bytes = 0;
  }
}

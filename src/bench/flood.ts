import { nodeWebSocket } from '../client/node.js';
import type { WebSocketLike } from '../client/transport.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

/** Frames each hostile socket keeps in flight: enough to keep the node busy, bounded. */
const WINDOW = 4;
/** Cursors per hostile `sync` frame: the most one frame may carry (rule W9). */
const IDS_PER_FRAME = 1_000;
/** A closed hostile socket reconnects after this: the default per-address connection limit (S1). */
const RECONNECT_MS = 1_000;

/** What the hostile sockets sent and how the node answered them. */
export interface FloodStats {
  sockets: number;
  /** `sync` frames sent. */
  frames: number;
  /** Of those, answered `synced` (the node did the work). */
  synced: number;
  /** Of those, refused (`rate_limited` or another error). */
  refused: number;
  /** Times the node closed a hostile socket for flooding (4029); each reconnects a second later. */
  closed: number;
}

/**
 * `--flood N`: N authenticated sockets that send `sync` frames naming 1,000 conversations that
 * are not theirs, as fast as the node answers them, while the measured clients run. It shows
 * what one abusive client costs everyone else (docs/benchmarks.md, flood).
 */
export class Flood {
  readonly #sockets = new Set<WebSocketLike>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #stats: FloodStats;
  #running = true;
  #seq = 0;

  private constructor(count: number) {
    this.#stats = { sockets: count, frames: 0, synced: 0, refused: 0, closed: 0 };
  }

  /** Opens one socket per token on `url`; resolves once every one is `ready`. */
  static async start(url: string, tokens: string[]): Promise<Flood> {
    const flood = new Flood(tokens.length);
    await Promise.all(tokens.map((token) => flood.#open(url, token)));
    return flood;
  }

  /** Counters since the start (a copy). */
  get stats(): FloodStats {
    return { ...this.#stats };
  }

  /** Closes every hostile socket. */
  stop(): void {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const ws of this.#sockets) ws.close(1000, 'bench done');
  }

  #open(url: string, token: string): Promise<void> {
    const ws = nodeWebSocket(url.replace(/^http/, 'ws').replace(/\/+$/, '') + '/api/v1/ws');
    this.#sockets.add(ws);
    return new Promise((resolve, reject) => {
      ws.onclose = () => {
        this.#sockets.delete(ws);
        if (!this.#running) return;
        this.#stats.closed += 1;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#open(url, token).catch(() => undefined);
        }, RECONNECT_MS);
        this.#timers.add(timer);
      };
      ws.onopen = () =>
        ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token }));
      ws.onerror = () => reject(new Error('a flood socket failed to connect'));
      ws.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as { type: string; ref?: string };
        if (frame.type === 'ready') {
          resolve();
          for (let i = 0; i < WINDOW; i++) this.#fire(ws);
          return;
        }
        // A node that does not echo `ref` (protocol 1 before W9) still answers each sync once.
        if (frame.type === 'synced') this.#stats.synced += 1;
        else if (frame.type === 'error') this.#stats.refused += 1;
        else return;
        this.#fire(ws);
      };
    });
  }

  /** Sends one `sync` of strangers' ids. */
  #fire(ws: WebSocketLike): void {
    if (!this.#running || ws.readyState !== 1) return;
    const n = ++this.#seq;
    const cursors: Record<string, number> = {};
    for (let i = 0; i < IDS_PER_FRAME; i++) cursors[`flood${n}x${i}`] = 0;
    ws.send(JSON.stringify({ type: 'sync', cursors, ref: `flood-${n}` }));
    this.#stats.frames += 1;
  }
}

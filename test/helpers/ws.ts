import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/** A frame as the server sent it (parsed JSON). */
export type Frame = { type: string; [key: string]: any };

/**
 * A raw protocol client for tests: records every frame and lets a test await the next frame
 * matching a predicate (no sleeps). Tests of the protocol itself use this; front ends use the
 * client library.
 */
export class WsClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly #ws: WebSocket;
  #waiters: Array<{
    match: (f: Frame) => boolean;
    resolve: (f: Frame) => void;
    reject: (err: Error) => void;
    from: number;
  }> = [];
  #closeWaiters: Array<(code: number) => void> = [];
  #cursor = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as Frame;
      this.frames.push(frame);
      const index = this.frames.length - 1;
      this.#waiters = this.#waiters.filter((w) => {
        if (index >= w.from && w.match(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
      for (const resolve of this.#closeWaiters.splice(0)) resolve(code);
      for (const waiter of this.#waiters.splice(0))
        waiter.reject(new Error(`socket closed (${code}) while waiting for a frame`));
    });
    ws.on('error', () => {});
  }

  /** Opens a socket; rejects with the HTTP status if the upgrade is refused. */
  static connect(
    baseUrl: string,
    options: { headers?: Record<string, string> } = {},
  ): Promise<WsClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/api/v1/ws', {
      headers: options.headers,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`, { cause: res.statusCode })),
      );
      ws.once('error', reject);
    });
  }

  /** Connects and completes `hello`; resolves with the client and the `ready` frame. */
  static async open(
    baseUrl: string,
    token: string,
    cursors?: Record<string, number>,
  ): Promise<{ client: WsClient; ready: Frame }> {
    const client = await WsClient.connect(baseUrl);
    client.send({ type: 'hello', protocol: 1, token, ...(cursors ? { cursors } : {}) });
    const ready = await client.next((f) => f.type === 'ready' || f.type === 'error');
    if (ready.type !== 'ready') throw new Error(`hello failed: ${JSON.stringify(ready)}`);
    return { client, ready };
  }

  send(frame: unknown): void {
    this.#ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Stops reading from the socket (a slow consumer); the server's sends queue up. */
  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  /** Sends frames in one TCP write (the socket is corked around them), as a racing client may. */
  sendTogether(frames: unknown[]): void {
    const socket = (this.#ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (const frame of frames) this.send(frame);
    socket.uncork();
  }

  sendRaw(data: string | Buffer): void {
    this.#ws.send(data);
  }

  /**
   * Resolves with the first frame matching `match` that arrived after the previous `next`
   * call's match (frames already received count), so consecutive calls read forward.
   */
  next(match: (f: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    for (let i = this.#cursor; i < this.frames.length; i++) {
      const frame = this.frames[i]!;
      if (match(frame)) {
        this.#cursor = i + 1;
        return Promise.resolve(frame);
      }
    }
    return this.#later(match, timeoutMs).then((f) => {
      this.#cursor = this.frames.indexOf(f) + 1;
      return f;
    });
  }

  /**
   * Resolves with the first frame matching `match`, received already or later, without moving
   * `next`'s position: for awaiting many frames at once (e.g. the acks of pipelined sends).
   */
  waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.frames.find(match);
    return seen ? Promise.resolve(seen) : this.#later(match, timeoutMs);
  }

  /** The first matching frame still to come; rejects on close or after `timeoutMs`. */
  #later(match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    if (this.closeCode !== null) {
      return Promise.reject(new Error(`socket closed (${this.closeCode}) before a matching frame`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for a frame; got ${JSON.stringify(this.frames.slice(-5))}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        from: this.frames.length,
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Sends a ping and waits for its pong: every frame the server sent before is then here. */
  async roundTrip(): Promise<void> {
    const ref = crypto.randomUUID();
    this.send({ type: 'ping', ref });
    await this.next((f) => f.type === 'pong' && f.ref === ref);
  }

  /** Frames of a type received so far. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Resolves with the close code once the socket is closed. */
  closed(): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closeCode !== null) return;
    const done = this.closed();
    this.#ws.close(1000);
    await done;
  }
}

import type { WebSocketFactory, WebSocketLike } from '../../src/client/transport.js';
import { messageDto } from '../helpers/dtos.js';

/**
 * A scripted stand-in for the network, for unit tests of the client's state machine only:
 * the test plays the server by pushing frames and reading what the client wrote.
 * End-to-end tests use real nodes.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: any[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  readonly #waiters: Array<{ type: string; count: number; resolve: (frame: any) => void }> = [];

  send(data: string): void {
    this.sent.push(JSON.parse(data));
    for (const w of [...this.#waiters]) {
      const frames = this.frames(w.type);
      if (frames.length >= w.count) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(frames[w.count - 1]);
      }
    }
  }

  /** Resolves with the client's `count`-th frame of `type`, once it has written it. */
  written(type: string, count: number): Promise<any> {
    const frames = this.frames(type);
    if (frames.length >= count) return Promise.resolve(frames[count - 1]);
    return new Promise((resolve) => this.#waiters.push({ type, count, resolve }));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** Server side: accept the connection. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Server side: push a frame. */
  push(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** Frames the client wrote of a type. */
  frames(type: string): any[] {
    return this.sent.filter((f) => f.type === type);
  }
}

/** A factory that records every socket the client opens. */
export function fakeNetwork(): {
  factory: WebSocketFactory;
  sockets: FakeSocket[];
  last(): FakeSocket;
} {
  const sockets: FakeSocket[] = [];
  return {
    factory: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    sockets,
    last: () => {
      const s = sockets.at(-1);
      if (!s) throw new Error('no socket opened');
      return s;
    },
  };
}

/** A message frame for tests. */
export function messageFrame(
  conversationId: string,
  seq: number,
  extra: Record<string, unknown> = {},
) {
  return {
    type: 'message',
    message: {
      ...messageDto({
        seq,
        conversationId,
        clientMsgId: `c${seq}`,
        body: `body ${seq}`,
        createdAt: 1,
      }),
      ...extra,
    },
  };
}

/** A ready frame for tests. */
export function readyFrame(cursors: Record<string, number> = {}) {
  return {
    type: 'ready',
    protocol: 1,
    nodeId: 'n1',
    user: { id: 'u-me', username: 'me', createdAt: 1, deletedAt: null },
    cursors,
  };
}

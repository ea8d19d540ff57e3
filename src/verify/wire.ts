import {
  CloseCode,
  eventMember,
  type WebSocketFactory,
  type WebSocketLike,
} from '../client/index.js';
import { ClientFrame, ServerFrameSchema, type ServerFrame } from '../protocol/frames.js';
import type { MessageDto, TimelineEventDto } from '../protocol/schemas.js';

/** One thing a socket received that the protocol forbids (rules W5, G6), with where it was. */
export interface WireAnomaly {
  kind: 'duplicate' | 'gap' | 'leak';
  conversationId: string;
  seq: number;
  /** The seq the socket should have received next (duplicate, gap). */
  expected: number | null;
  at: number;
  /** The socket's last frames before the first anomaly of a client (for debugging). */
  trace?: string[];
}

/** What one client's sockets carried, as checked frame by frame. */
export interface WireStats {
  sockets: number;
  /** Per conversation, the last frames about it on any of the client's sockets (for reports). */
  traces: Map<string, string[]>;
  timelineFrames: number;
  anomalies: WireAnomaly[];
}

/**
 * Per-socket protocol state, read off the frames both ways: for each conversation the seq the
 * socket must receive next (rule W5: strictly in order, no gap, no repeat, except after the
 * client itself asked again with `hello`/`sync`), and whether the user may receive it at all
 * (rule G6: from `ready` listing it or `conversation.added`, until the user's own removal).
 */
class SocketState {
  readonly #expected = new Map<string, number | null>();
  readonly #entitled = new Set<string>();
  readonly #helloCursors = new Map<string, number>();
  /**
   * Conversations this socket asked again with `sync`: the seq the answer starts with, and the
   * seqs received since. Frames the node sent before it read the `sync` may arrive first, so
   * the answer is judged when `synced` comes: it must end the frames with `start` … its cursor.
   */
  readonly #resyncing = new Map<string, { start: number; seqs: number[] }>();

  constructor(
    readonly userId: () => string | null,
    readonly stats: WireStats,
  ) {}

  outgoing(frame: ClientFrame): void {
    this.#remember('>', frame);
    if (frame.type === 'hello' && frame.cursors) {
      for (const [id, seq] of Object.entries(frame.cursors)) this.#helloCursors.set(id, seq);
    }
    if (frame.type === 'sync') {
      for (const [id, seq] of Object.entries(frame.cursors))
        this.#resyncing.set(id, { start: seq + 1, seqs: [] });
    }
  }

  #remember(direction: '<' | '>', frame: ClientFrame | ServerFrame): void {
    const entry =
      frame.type === 'message' || frame.type === 'ack'
        ? frame.message
        : frame.type === 'event'
          ? frame.event
          : undefined;
    const what = entry
      ? `${JSON.stringify('type' in entry ? entry.type : 'message')} ${JSON.stringify('seq' in entry ? entry.seq : undefined)}`
      : '';
    const cursors = 'cursors' in frame && frame.cursors ? frame.cursors : undefined;
    const line = `${direction}${frame.type} ${what}${cursors ? JSON.stringify(cursors) : ''}`.slice(
      0,
      200,
    );
    const ids = new Set<string>();
    const about =
      entry?.conversationId ?? ('conversationId' in frame ? frame.conversationId : undefined);
    if (about) ids.add(about);
    for (const id of Object.keys(cursors ?? {})) ids.add(id);
    for (const id of ids) {
      let trace = this.stats.traces.get(id);
      if (!trace) this.stats.traces.set(id, (trace = []));
      trace.push(`#${this.stats.sockets}${line.slice(0, 80)}`);
      if (trace.length > 30) trace.shift();
    }
  }

  /** The frames since a `sync` must end with its answer: `start`, `start + 1`, … `cursor`. */
  #judgeReplay(
    conversationId: string,
    { start, seqs }: { start: number; seqs: number[] },
    cursor: number,
  ): void {
    const from = seqs.lastIndexOf(start);
    const answer = from >= 0 ? seqs.slice(from) : [];
    const wanted = Array.from({ length: Math.max(0, cursor - start + 1) }, (_, i) => start + i);
    const bad = answer.findIndex((seq, i) => seq !== wanted[i]);
    if (bad === -1 && answer.length === wanted.length) return;
    const at = Date.now();
    if (bad === -1) {
      const seq = wanted[answer.length]!;
      return this.#anomaly({ kind: 'gap', conversationId, seq, expected: seq, at });
    }
    const seq = answer[bad]!;
    const expected = wanted[bad] ?? cursor + 1;
    this.#anomaly({
      kind: seq < expected ? 'duplicate' : 'gap',
      conversationId,
      seq,
      expected,
      at,
    });
  }

  #anomaly(anomaly: WireAnomaly): void {
    if (this.stats.anomalies.length === 0)
      anomaly.trace = [...(this.stats.traces.get(anomaly.conversationId) ?? [])];
    this.stats.anomalies.push(anomaly);
  }

  incoming(frame: ServerFrame): void {
    this.#remember('<', frame);
    if (frame.type === 'synced') {
      for (const [id, cursor] of Object.entries(frame.cursors)) {
        const resync = this.#resyncing.get(id);
        if (!resync) continue;
        this.#resyncing.delete(id);
        this.#judgeReplay(id, resync, cursor);
        this.#expected.set(id, cursor + 1);
      }
      return;
    }
    if (frame.type === 'ready') {
      for (const [id, seq] of Object.entries(frame.cursors)) {
        this.#entitled.add(id);
        const asked = this.#helloCursors.get(id);
        this.#expected.set(id, (asked ?? seq) + 1);
      }
      return;
    }
    if (frame.type === 'message') return this.#timeline(frame.message);
    // Protocol 2: an ack that delivers its message takes the place of the `message` frame.
    if (frame.type === 'ack' && frame.delivered) return this.#timeline(frame.message);
    if (frame.type !== 'event') return;
    const event = frame.event;
    const conversationId = event.conversationId;
    switch (event.type) {
      case 'conversation.added':
        this.#entitled.add(conversationId);
        // The joining entry comes next; its seq is not in the frame.
        this.#expected.set(conversationId, null);
        return;
      case 'conversation.removed':
      case 'conversation.deleted':
        this.#entitled.delete(conversationId);
        this.#expected.delete(conversationId);
        this.#resyncing.delete(conversationId);
        return;
      case 'read':
      case 'receipt':
      case 'conversation.muted':
        return;
      case 'conversation.created':
      case 'conversation.settings_changed':
      case 'conversation.access_changed':
      case 'conversation.renamed':
      case 'member.added':
      case 'member.joined':
      case 'member.muted':
      case 'member.removed':
      case 'member.left':
      case 'member.role_changed':
      case 'message.edited':
      case 'message.deleted':
      case 'reaction.added':
      case 'reaction.removed':
        return this.#timeline(event);
    }
  }

  #timeline(entry: MessageDto | TimelineEventDto): void {
    const { conversationId, seq } = entry;
    const at = Date.now();
    this.stats.timelineFrames += 1;
    if (!this.#entitled.has(conversationId)) {
      this.#anomaly({ kind: 'leak', conversationId, seq, expected: null, at });
      return;
    }
    const resync = this.#resyncing.get(conversationId);
    if (resync) {
      resync.seqs.push(seq);
    } else {
      const expected = this.#expected.get(conversationId) ?? null;
      if (expected !== null && seq < expected)
        this.#anomaly({ kind: 'duplicate', conversationId, seq, expected, at });
      else if (expected !== null && seq > expected)
        this.#anomaly({ kind: 'gap', conversationId, seq, expected, at });
      this.#expected.set(conversationId, Math.max(seq + 1, expected ?? 0));
    }
    if (!('type' in entry) || (entry.type !== 'member.removed' && entry.type !== 'member.left'))
      return;
    // The user's own removal is the last entry it may receive until it joins again.
    if (eventMember(entry)?.userId === this.userId()) this.#entitled.delete(conversationId);
  }
}

/**
 * Wraps a WebSocket factory so every frame in and out of a client's sockets is checked against
 * the protocol, and the current socket can be cut as a network drop would (no close frame).
 */
export class WireTap {
  readonly stats: WireStats = { sockets: 0, traces: new Map(), timelineFrames: 0, anomalies: [] };
  #current: WebSocketLike | null = null;

  constructor(
    readonly inner: WebSocketFactory,
    readonly userId: () => string | null,
  ) {}

  /** The factory to hand to the client library. */
  readonly factory: WebSocketFactory = (url) => {
    const ws = this.inner(url);
    const state = new SocketState(this.userId, this.stats);
    this.stats.sockets += 1;
    this.#current = ws;
    return tapSocket(ws, state);
  };

  /** Drops the current socket abruptly; the client library sees it close and reconnects. */
  drop(): void {
    const ws = this.#current;
    if (!ws) return;
    const terminate = (ws as { terminate?: unknown }).terminate;
    if (typeof terminate === 'function') (terminate as () => void).call(ws);
    else ws.close(CloseCode.ClientGaveUp, 'verify: dropped');
  }
}

/** A socket whose frames pass through `state` before the client library sees or sends them. */
function tapSocket(ws: WebSocketLike, state: SocketState): WebSocketLike {
  let handler: WebSocketLike['onmessage'] = null;
  return {
    get readyState() {
      return ws.readyState;
    },
    send(data: string) {
      const frame = parse(data, ClientFrame);
      if (frame) state.outgoing(frame);
      ws.send(data);
    },
    close: (code?: number, reason?: string) => ws.close(code, reason),
    get onopen() {
      return ws.onopen;
    },
    set onopen(fn) {
      ws.onopen = fn;
    },
    get onclose() {
      return ws.onclose;
    },
    set onclose(fn) {
      ws.onclose = fn;
    },
    get onerror() {
      return ws.onerror;
    },
    set onerror(fn) {
      ws.onerror = fn;
    },
    get onmessage() {
      return handler;
    },
    set onmessage(fn) {
      handler = fn;
      ws.onmessage = fn
        ? (event) => {
            const frame = parse(event.data, ServerFrameSchema);
            if (frame) state.incoming(frame);
            fn(event);
          }
        : null;
    },
  } satisfies WebSocketLike;
}

/**
 * A frame as its schema reads it, or null if it is not JSON or not a frame of the protocol.
 * Such a frame is not tracked, so a timeline frame the node sent malformed shows as a gap.
 */
function parse<T>(
  data: unknown,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
): T | null {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : String(data));
  } catch {
    return null;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
}

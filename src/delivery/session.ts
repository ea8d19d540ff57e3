import { ulid } from '../domain/ids.js';
import type { Message, User } from '../domain/model.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { Cursors } from './cursors.js';
import type { DeliverySocket, Principal } from './ports.js';
import { writeFrame } from './writer.js';

/**
 * A send of a protocol-2 socket not answered yet, by clientMsgId. Its ack takes the place of
 * the message's `message` frame on that socket (rule W5): the delivery that reaches the message
 * writes the ack instead, or the answer does if the message is the socket's next entry. Only
 * when neither can happen in order (the conversation is not followed, or was already delivered)
 * is the ack a plain one and the message, if it comes, a `message` frame.
 */
export interface PendingAck {
  conversationId: string;
  /** Sends with this clientMsgId in flight on the socket (a client may repeat one). */
  sends: number;
  /** The ack carrying the message (`delivered: true`) was written. */
  delivered: boolean;
  /** Answered as created, entries before it not yet delivered: the delivery writes its ack. */
  waiting: Message | null;
}

/** How a session writes: shared by every session of a core. */
export interface SessionOutput {
  /** Unsent bytes above which the socket is a slow consumer (rule W7). */
  maxBufferedBytes: number;
  /** Closes a slow consumer's session. */
  onSlow(session: Session): void;
}

/** A conversation joined (bus `joined`) before the session was ready, followed after `ready`. */
export interface JoinedMeanwhile {
  conversationId: string;
  fromSeq: number;
}

/**
 * Where a session is. `authenticating`: subscribed to its user's revocations, the session
 * being re-checked in the store (so a logout cannot slip between the token check and the
 * subscription); `syncing`: subscribing to its conversations and reading their positions;
 * `live`: `ready` was sent, entries are delivered; `closing`: detached from everything,
 * nothing more is delivered. Conversations joined before `live` wait in `joinedMeanwhile`:
 * nothing of a conversation may reach the socket before `ready`.
 */
export type SessionState =
  | { kind: 'authenticating'; joinedMeanwhile: JoinedMeanwhile[] }
  | { kind: 'syncing'; joinedMeanwhile: JoinedMeanwhile[] }
  | { kind: 'live' }
  | { kind: 'closing' };

/** A running catch-up read of one conversation; `dirty` means more may have arrived since. */
export interface Replay {
  dirty: boolean;
  done: Promise<void>;
}

/**
 * One authenticated socket in the delivery core. Its principal is fixed when it is created
 * (after the token was checked) and never changes.
 */
export class Session {
  /** The socket's id in logs. */
  readonly id: string;
  readonly principal: Principal;
  readonly socket: DeliverySocket;
  /** The protocol version chosen in `hello` (`ready.protocol`). */
  readonly protocol: number;
  readonly cursors = new Cursors();
  state: SessionState = { kind: 'authenticating', joinedMeanwhile: [] };
  /**
   * Running catch-up reads per conversation. Created on first use: most sockets sit idle, and
   * every byte counts at 10,000 of them.
   */
  replays: Map<string, Replay> | null = null;
  /** When this socket last relayed typing per conversation (created on first use). */
  typingAt: Map<string, number> | null = null;
  /**
   * Protocol 2: this socket's sends not answered yet, by clientMsgId (acks.ts). Null while
   * there are none, so a delivery to an idle socket checks one field.
   */
  acks: Map<string, PendingAck> | null = null;

  readonly #output: SessionOutput;

  constructor(options: {
    principal: Principal;
    socket: DeliverySocket;
    output: SessionOutput;
    id?: string | undefined;
    protocol?: number | undefined;
  }) {
    this.id = options.id ?? ulid();
    this.principal = options.principal;
    this.protocol = options.protocol ?? PROTOCOL_VERSION;
    this.socket = options.socket;
    this.#output = options.output;
  }

  /** Sends a serialized frame; a slow consumer is closed instead (rule W7). */
  send(frame: string, onWritten?: () => void): void {
    if (writeFrame(this.socket, frame, this.#output.maxBufferedBytes, onWritten) !== 'slow') return;
    this.#output.onSlow(this);
    onWritten?.();
  }

  /** The authenticated user. */
  get user(): User {
    return this.principal.user;
  }

  /** True once the session is detached (closed, or given up while opening). */
  get closing(): boolean {
    return this.state.kind === 'closing' || !this.socket.isOpen;
  }
}

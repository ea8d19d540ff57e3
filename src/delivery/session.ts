import { ulid } from '../domain/ids.js';
import type { User } from '../domain/model.js';
import { Cursors } from './cursors.js';
import type { DeliverySocket, Principal } from './ports.js';
import { writeFrame } from './writer.js';

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
  readonly cursors = new Cursors();
  state: SessionState = { kind: 'authenticating', joinedMeanwhile: [] };
  /**
   * Running catch-up reads per conversation. Created on first use: most sockets sit idle, and
   * every byte counts at 10,000 of them.
   */
  replays: Map<string, Replay> | null = null;
  /** When this socket last relayed typing per conversation (created on first use). */
  typingAt: Map<string, number> | null = null;

  readonly #output: SessionOutput;

  constructor(options: {
    principal: Principal;
    socket: DeliverySocket;
    output: SessionOutput;
    id?: string | undefined;
  }) {
    this.id = options.id ?? ulid();
    this.principal = options.principal;
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

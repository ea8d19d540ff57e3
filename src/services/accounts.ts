import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { newToken, ulid } from '../domain/ids.js';
import { normalizeUsername } from '../domain/usernames.js';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '../domain/limits.js';
import type { Principal, Session, User } from '../domain/model.js';
import {
  DuplicateKeyError,
  type ProfilesStore,
  type PushStore,
  type SessionsStore,
  type StoreOps,
  type TransactionsStore,
  type UsersStore,
} from '../ports/store.js';
import type { ConversationService } from './conversations.js';
import type { ServiceDeps } from './deps.js';
import { commitAndPublish, Publications } from './publications.js';
import { readInChunks } from './chunks.js';
import { PasswordChecks } from './password-checks.js';

export type { Principal } from '../domain/model.js';

/** How often a session's last-seen time is written (activity tracking without a write per request). */
const TOUCH_INTERVAL_MS = 10 * 60_000;

/** Tokens are stored only as their SHA-256 (a stolen database yields no usable token). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** What AccountService uses: accounts, sessions and transactions of the store. */
export type AccountDeps = Pick<ServiceDeps, 'bus' | 'hasher' | 'limits' | 'log' | 'now'> & {
  store: UsersStore &
    SessionsStore &
    TransactionsStore &
    Pick<PushStore, 'deleteSessionPushSubscriptions'> &
    Pick<ProfilesStore, 'touchLastSeen'>;
};

/** Registration, login, sessions and account deletion. */
export class AccountService {
  readonly #deps: AccountDeps;
  readonly #conversations: ConversationService;
  /** Every password check goes through it: one failed-attempt limiter for all (rule S7). */
  readonly #passwords: PasswordChecks;
  #dummyHash: Promise<string> | null = null;

  constructor(deps: AccountDeps, conversations: ConversationService) {
    this.#deps = deps;
    this.#conversations = conversations;
    this.#passwords = new PasswordChecks({
      hasher: deps.hasher,
      limits: deps.limits,
      now: deps.now,
    });
  }

  /** The one failed-attempt gate (rule S7), for the other checks of a password (RG6). */
  get passwordChecks(): PasswordChecks {
    return this.#passwords;
  }

  async register(rawUsername: string, password: string): Promise<User> {
    const username = normalizeUsername(rawUsername);
    if (!USERNAME_PATTERN.test(username)) {
      throw new AppError('invalid_request', 'username must be 3-32 characters of a-z, 0-9, _ . -');
    }
    checkPassword(password);
    const passwordHash = await this.#deps.hasher.hash(password);
    const user = await this.#deps.store
      .createUser({
        id: ulid(),
        username,
        passwordHash,
        createdAt: this.#deps.now(),
        deletedAt: null,
      })
      .catch((err: unknown) => {
        if (err instanceof DuplicateKeyError)
          throw new AppError('username_taken', undefined, { cause: err });
        throw err;
      });
    this.#deps.log.info({ event: 'user.registered', userId: user.id, username }, 'user registered');
    return user;
  }

  /**
   * Verifies credentials and opens a session. An unknown user costs one argon2 verification
   * too, is limited by the same failed-attempt buckets (keyed by the name asked for), and both
   * failures give the same error, so neither answer nor timing tells them apart (rule A3).
   */
  async login(
    rawUsername: string,
    password: string,
    from: { ip: string },
  ): Promise<{ token: string; principal: Principal }> {
    const username = normalizeUsername(rawUsername);
    const user = USERNAME_PATTERN.test(username)
      ? await this.#deps.store.getUserSecretByUsername(username)
      : null;
    const hash = user?.passwordHash ?? (await this.#dummy());
    const ok = await this.#passwords.verify({ account: username, ip: from.ip }, hash, password);
    if (!user || !ok) {
      this.#deps.log.info({ event: 'login.failed', username, ip: from.ip }, 'login failed');
      throw new AppError('invalid_credentials');
    }
    // Only the right password learns of a suspension (rule AD4).
    await this.#refuseSuspended(user.id);
    const now = this.#deps.now();
    const token = newToken();
    const session: Session = {
      id: ulid(),
      userId: user.id,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: now + this.#deps.limits.sessionDays * 86_400_000,
      lastSeenAt: now,
    };
    await this.#deps.store.createSession(session);
    await this.#deps.store.touchLastSeen(user.id, now); // last seen (rule PR6)
    // A suspension committed while this session was being created: its second sweep of the
    // sessions may have run before this one existed, so this login removes its own (AD4).
    await this.#refuseSuspended(user.id, session.id);
    const { passwordHash: _, ...publicUser } = user;
    this.#deps.log.info(
      { event: 'login', userId: user.id, sessionId: session.id },
      'user logged in',
    );
    return { token, principal: { user: publicUser, session } };
  }

  /** Resolves a bearer or cookie token to its principal; `unauthorized` if invalid or expired. */
  async authenticate(token: string): Promise<Principal> {
    const session = await this.#deps.store.getSessionByTokenHash(hashToken(token));
    const now = this.#deps.now();
    if (!session || session.expiresAt <= now)
      throw new AppError('unauthorized', 'session is invalid or expired');
    const user = await this.#deps.store.getUserById(session.userId);
    if (!user || user.deletedAt !== null)
      throw new AppError('unauthorized', 'session is invalid or expired');
    if (now - session.lastSeenAt > TOUCH_INTERVAL_MS) {
      await this.#deps.store.touchSession(session.id, now);
      session.lastSeenAt = now;
    }
    return { user, session };
  }

  /** Of these session ids, those that still exist and have not expired (read 500 at a time). */
  async liveSessions(ids: string[]): Promise<Set<string>> {
    const now = this.#deps.now();
    return new Set(await readInChunks(ids, (slice) => this.#deps.store.liveSessionIds(slice, now)));
  }

  /** True while the session exists and its user is not deleted (re-checked after a socket subscribes). */
  async isActive(principal: Principal): Promise<boolean> {
    const session = await this.#deps.store.getSessionByTokenHash(principal.session.tokenHash);
    if (!session || session.expiresAt <= this.#deps.now()) return false;
    const user = await this.#deps.store.getUserById(session.userId);
    return user !== null && user.deletedAt === null;
  }

  /**
   * Revokes the session; its sockets on every node are closed through the bus, and the push
   * subscriptions it made are deleted (rule N6): a logged-out browser gets no more pushes.
   */
  async logout(principal: Principal): Promise<void> {
    await this.#deps.store.deleteSessionPushSubscriptions(principal.session.id);
    await this.#deps.store.deleteSession(principal.session.id);
    const pubs = new Publications();
    pubs.revoked(principal.user.id, principal.session.id);
    pubs.publish(this.#deps.bus);
    this.#deps.log.info(
      { event: 'logout', userId: principal.user.id, sessionId: principal.session.id },
      'user logged out',
    );
  }

  /**
   * Deletes the account after confirming the password (rule A6): the user leaves every
   * conversation (owned groups pass to the next admin or member, empty groups are deleted),
   * their sessions end with their push subscriptions (N6), and their past messages stay in
   * place attributed to "[deleted]".
   */
  async deleteAccount(principal: Principal, password: string, from: { ip: string }): Promise<void> {
    const user = await this.#deps.store.getUserSecretById(principal.user.id);
    if (!user || user.deletedAt !== null) throw new AppError('unauthorized');
    const key = { account: user.username, ip: from.ip };
    if (!(await this.#passwords.verify(key, user.passwordHash, password))) {
      this.#deps.log.info(
        { event: 'password.failed', userId: user.id, ip: from.ip },
        'account deletion: wrong password',
      );
      throw new AppError('forbidden', 'password confirmation failed');
    }
    await commitAndPublish(this.#deps.store, this.#deps.bus, (tx, pubs) =>
      this.deleteAccountInTx(tx, pubs, user.id),
    );
    this.#deps.log.info({ event: 'user.deleted', userId: user.id }, 'account deleted');
  }

  /**
   * What deleting an account does (rule A6), inside the caller's transaction: by the user
   * themselves, or by a server admin (rule AD6).
   */
  async deleteAccountInTx(tx: StoreOps, pubs: Publications, userId: string): Promise<void> {
    const conversationIds = await tx.listConversationIdsForUser(userId);
    for (const conversationId of conversationIds) {
      await this.#conversations.groupMembers.leaveInTx(
        tx,
        pubs,
        conversationId,
        userId,
        'account_deleted',
      );
    }
    await tx.deleteUserSessions(userId);
    await tx.deleteUserPushSubscriptions(userId);
    // Uploads never sent go; files of sent messages stay with the messages (rule F7).
    await tx.deleteUnattachedUploads(userId);
    // The profile goes with the account (rule PR1): display name, status and picture.
    await tx.updateProfile(userId, { displayName: null, statusText: null });
    const avatar = await tx.setAvatar(userId, null, this.#deps.now());
    if (avatar) await tx.deleteBlobs([avatar]);
    await tx.markUserDeleted(userId, this.#deps.now());
    pubs.revoked(userId, null);
  }

  /** `account_suspended` if the user is suspended, after deleting `sessionId` if given. */
  async #refuseSuspended(userId: string, sessionId?: string): Promise<void> {
    const status = await this.#deps.store.getAccountStatus(userId);
    if (status?.suspendedAt == null) return;
    if (sessionId !== undefined) await this.#deps.store.deleteSession(sessionId);
    this.#deps.log.info({ event: 'login.suspended', userId }, 'login refused: account suspended');
    throw new AppError('account_suspended');
  }

  #dummy(): Promise<string> {
    // A failed attempt (the hasher was busy) is not kept, or every later login would fail too.
    this.#dummyHash ??= this.#deps.hasher.hash(newToken()).catch((err: unknown) => {
      this.#dummyHash = null;
      throw err;
    });
    return this.#dummyHash;
  }
}

function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new AppError(
      'invalid_request',
      `password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`,
    );
  }
}

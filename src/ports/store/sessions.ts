import type { Session } from '../../domain/model.js';

/** Login sessions, found by the hash of their token (rules A4, A5). */
export interface SessionsStore {
  createSession(session: Session): Promise<void>;
  getSessionByTokenHash(tokenHash: string): Promise<Session | null>;
  touchSession(id: string, at: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
  /** Deletes sessions expired at `now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;
  /** Of these session ids (at most 500), those that exist and expire after `now`. */
  liveSessionIds(ids: string[], now: number): Promise<string[]>;
}

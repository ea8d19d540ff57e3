/** An invite code as the store keeps it (rule RG3): only the code's SHA-256, never the code. */
export interface InviteRecord {
  id: string;
  codeHash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}

/** An invite with its creator's username (a deleted creator reads "[deleted]"). */
export interface InviteView extends Omit<InviteRecord, 'codeHash'> {
  createdByUsername: string;
}

/** Invite codes for invite-only registration (rules RG3-RG5). */
export interface InvitesStore {
  createInvite(invite: InviteRecord): Promise<void>;
  /** One invite by id; null if unknown. */
  getInvite(id: string): Promise<InviteView | null>;
  /** Invites newest first, at most `limit`; only `createdBy`'s when given. */
  listInvites(query: { createdBy: string | null; limit: number }): Promise<InviteView[]>;
  /** Marks the invite revoked at `at` unless it was already; true if this call revoked it. */
  revokeInvite(id: string, at: number): Promise<boolean>;
  /** The invite of that code hash if it can still be used at `now` (not revoked, expired or used up). */
  findUsableInvite(codeHash: string, now: number): Promise<InviteRecord | null>;
  /**
   * Takes one use of the invite in a single conditional update, so two registrations racing
   * for the last use cannot both get it (on every engine); null if it is not usable at `now`.
   */
  takeInviteUse(codeHash: string, now: number): Promise<InviteRecord | null>;
  /** Gives back a use taken for a registration that then failed (never below zero). */
  releaseInviteUse(id: string): Promise<void>;
}

/** A user's profile as stored (rules PR1-PR6); the service decides what others see of it. */
export interface ProfileRecord {
  userId: string;
  username: string;
  deletedAt: number | null;
  displayName: string | null;
  statusText: string | null;
  avatarBlobId: string | null;
  avatarUpdatedAt: number | null;
  lastSeenAt: number | null;
  shareLastSeen: boolean;
}

/** The fields of a profile its owner changes; undefined keeps, null clears. */
export interface ProfilePatch {
  displayName?: string | null;
  statusText?: string | null;
}

/** Profiles: display name, status, avatar and last seen, beside the account (users row). */
export interface ProfilesStore {
  /** The profiles of the given users (deleted ones included), in no particular order. */
  getProfiles(userIds: readonly string[]): Promise<ProfileRecord[]>;
  /** The profile of a live (not deleted) user by name. */
  getProfileByUsername(username: string): Promise<ProfileRecord | null>;
  /** Changes the fields given; false if the user does not exist. */
  updateProfile(userId: string, patch: ProfilePatch): Promise<boolean>;
  /**
   * Points the user's avatar at `blobId` (null: none), stamped `at`; answers the blob it
   * replaced (for the caller to delete in the same transaction), or undefined if no such user.
   */
  setAvatar(userId: string, blobId: string | null, at: number): Promise<string | null | undefined>;
  /** Records that the user was online at `at` (never moves it back). */
  touchLastSeen(userId: string, at: number): Promise<void>;
}

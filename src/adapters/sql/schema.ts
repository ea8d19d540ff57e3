import type { Generated } from 'kysely';

/** Table shapes shared by every SQL engine (one migration set, one query code path). */
export interface Database {
  users: {
    id: string;
    username: string;
    password_hash: string;
    created_at: number;
    deleted_at: number | null;
    share_read_markers: Generated<number>;
    /** Do-not-disturb until this time (rule N4); null: off. */
    dnd_until: number | null;
    /** 1: a server admin (issue 16). */
    admin: Generated<number>;
    suspended_at: number | null;
    suspended_reason: string | null;
    display_name: string | null;
    status_text: string | null;
    /** The avatar's bytes (a re-encoded square image) in `blobs`; null: a generated one. */
    avatar_blob_id: string | null;
    avatar_updated_at: number | null;
    /** When the user was last connected (their last socket closed, or a heartbeat). */
    last_seen_at: number | null;
    /** 1: others may see `last_seen_at`. */
    share_last_seen: Generated<number>;
    /** Private: seen by the user and admins; where password reset links are mailed. */
    email: string | null;
    password_changed_at: number | null;
  };
  sessions: {
    id: string;
    user_id: string;
    token_hash: string;
    created_at: number;
    expires_at: number;
    last_seen_at: number;
  };
  conversations: {
    id: string;
    kind: string;
    name: string | null;
    dm_key: string | null;
    created_by: string;
    created_at: number;
    last_seq: number;
    last_message_at: number;
    all_mentions: Generated<string>;
    /** 'private' (invite only) or 'public' (listed, anyone may join). */
    visibility: Generated<string>;
    /** 'all': members read the whole history; 'joined': from their joining on. */
    history: Generated<string>;
  };
  members: {
    conversation_id: string;
    user_id: string;
    role: string;
    joined_at: number;
    last_read_seq: number;
    /** 1: the member muted the conversation (rule N3). */
    muted: Generated<number>;
    /** The first seq the member may read; 0: the whole history. */
    history_from: Generated<number>;
    /** A moderator muted the member until then (they cannot send); null: not muted. */
    muted_until: number | null;
  };
  messages: {
    id: string;
    conversation_id: string;
    seq: number;
    sender_id: string;
    client_msg_id: string;
    body: string;
    created_at: number;
    edited_at: number | null;
    deleted_at: number | null;
    reply_to: number | null;
    thread_root: number | null;
    /** JSON array of the mentioned user ids (the `mentions` table indexes them). */
    mentions: Generated<string>;
    mentions_all: Generated<number>;
    /** The body's search tokens joined by spaces (domain/search.ts); "" once deleted (rule Q1). */
    search_text: Generated<string>;
    /** Who deleted the message when it was not its sender (a moderator or server admin). */
    deleted_by: string | null;
  };
  /** A file's bytes, stored in chunks (rule F2). */
  blobs: {
    id: string;
    size: Generated<number>;
    chunks: Generated<number>;
    /** 1 once every chunk is written; an incomplete blob older than an hour is swept. */
    complete: Generated<number>;
    created_at: number;
  };
  blob_chunks: {
    blob_id: string;
    idx: number;
    data: Uint8Array;
  };
  /** An uploaded file (rules F1-F9); conversation_id, seq and position once a message attaches it. */
  attachments: {
    id: string;
    uploader_id: string;
    name: string;
    content_type: string;
    size: number;
    blob_id: string;
    width: number | null;
    height: number | null;
    thumb_blob_id: string | null;
    thumb_width: number | null;
    thumb_height: number | null;
    conversation_id: string | null;
    seq: number | null;
    position: number | null;
    created_at: number;
  };
  /** A browser's Web Push subscription, bound to the session that made it (rule N6). */
  push_subscriptions: {
    id: string;
    user_id: string;
    session_id: string;
    endpoint: string;
    p256dh: string;
    auth: string;
    created_at: number;
  };
  /** Invite codes (registration mode `invite`); only the code's SHA-256 is kept. */
  invites: {
    id: string;
    code_hash: string;
    created_by: string;
    created_at: number;
    expires_at: number | null;
    max_uses: number | null;
    uses: Generated<number>;
    revoked_at: number | null;
  };
  /** One-time password reset links; only the token's SHA-256 is kept. */
  password_resets: {
    token_hash: string;
    user_id: string;
    /** The admin who issued it; null: mailed on the user's own request. */
    created_by: string | null;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** What admins did (ids are ULIDs, so they sort by time); actor null: the operator's CLI. */
  audit_log: {
    id: string;
    at: number;
    actor_id: string | null;
    action: string;
    target_user_id: string | null;
    target_conversation_id: string | null;
    /** JSON object. */
    data: Generated<string>;
  };
  /** Runtime settings shared by every node (e.g. `registration`). */
  server_settings: {
    name: string;
    value: string;
    updated_at: number;
    updated_by: string | null;
  };
  /** Secrets shared by every node of a deployment (the VAPID key pair, rule N5). */
  server_secrets: {
    name: string;
    value: string;
    created_at: number;
  };
  /** One row per mentioned member of a message (rule R6), for mention counts and lists. */
  mentions: {
    conversation_id: string;
    seq: number;
    user_id: string;
  };
  /** One row per (message, emoji, user) (rule R4). */
  reactions: {
    conversation_id: string;
    seq: number;
    emoji: string;
    user_id: string;
    created_at: number;
  };
  events: {
    conversation_id: string;
    seq: number;
    type: string;
    actor_id: string;
    target_seq: number | null;
    data: string;
    created_at: number;
  };
  presence: {
    user_id: string;
    node_id: string;
    since: number;
  };
  nodes: {
    id: string;
    url: string;
    started_at: number;
    heartbeat_at: number;
    connections: Generated<number>;
    draining: Generated<number>;
  };
}

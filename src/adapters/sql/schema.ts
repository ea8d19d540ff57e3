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
  };
  members: {
    conversation_id: string;
    user_id: string;
    role: string;
    joined_at: number;
    last_read_seq: number;
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

import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Migration 0006: the plain send as one PostgreSQL function (issue 18), so a send is one round
 * trip instead of five (lock, lookup, membership view, nextSeq, insert). Its statements are
 * the general path's, in its order: a volatile PL/pgSQL function takes a new snapshot for
 * each statement under read committed, so the lookup after the lock sees a retry that another
 * node committed while this one waited for the lock (G3), and the membership read sees a
 * removal committed meanwhile (G6), exactly as separate statements do. It returns the new seq,
 * or null (having written nothing) when the send is a retry, the sender is not a member or is
 * muted at `p_at`, or the DM's peer is gone: the service then runs the general path, which
 * answers each case as before. A unique violation (the clientMsgId taken by another
 * conversation's send committed meanwhile) fails the statement as insertMessage's does.
 * On engines without it (SQLite) the migration does nothing.
 */
export function plainSendMigration(install: boolean): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (!install) return;
      await sql`
        create or replace function parley_append_message(
          p_id text, p_conversation text, p_sender text, p_client_msg_id text,
          p_body text, p_search_text text, p_at bigint
        ) returns integer language plpgsql volatile as $fn$
        declare
          v_kind text;
          v_muted_until bigint;
          v_seq integer;
        begin
          perform 1 from conversations where id = p_conversation for no key update;
          if exists (
            select 1 from messages
            where sender_id = p_sender and client_msg_id = p_client_msg_id
          ) then
            return null;
          end if;
          select c.kind, m.muted_until into v_kind, v_muted_until
            from members m join conversations c on c.id = m.conversation_id
            where m.conversation_id = p_conversation and m.user_id = p_sender;
          if not found or (v_muted_until is not null and v_muted_until > p_at) then
            return null;
          end if;
          if v_kind = 'dm'
            and (select count(*) from members where conversation_id = p_conversation) < 2 then
            return null;
          end if;
          update conversations set last_seq = last_seq + 1, last_message_at = p_at
            where id = p_conversation
            returning last_seq into v_seq;
          insert into messages (
            id, conversation_id, seq, sender_id, client_msg_id, body, created_at,
            edited_at, deleted_at, reply_to, thread_root, mentions, mentions_all, search_text
          ) values (
            p_id, p_conversation, v_seq, p_sender, p_client_msg_id, p_body, p_at,
            null, null, null, null, '[]', 0, p_search_text
          );
          return v_seq;
        end
        $fn$
      `.execute(db);
    },
  };
}

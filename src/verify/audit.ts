import { RestApi } from '../client/rest.js';
import { membership, type ConversationAudit } from './checker.js';
import type { ClientRecord } from './history.js';
import type { WorkloadConversation, WorkloadUser } from './workload.js';
import { pool } from '../bench/setup.js';
import { errorCode, retrying } from './workload.js';

/**
 * Reads every conversation's whole timeline (REST, rule M6) from every node, as a member: the
 * owner of a group (who never leaves in the workload) or one of a DM's two users.
 */
export async function auditTimelines(
  urls: string[],
  conversations: WorkloadConversation[],
  users: WorkloadUser[],
): Promise<ConversationAudit[]> {
  const tokens = new Map(users.map((u) => [u.id, u.token]));
  return pool(conversations, 4, async (conversation) => ({
    conversationId: conversation.id,
    foundingMembers: conversation.founding,
    byNode: await Promise.all(
      urls.map(async (node) => {
        const api = new RestApi({ baseUrl: node, token: tokens.get(conversation.owner) ?? null });
        try {
          return {
            node,
            entries: await retrying(() => api.fullTimeline(conversation.id, { limit: 1000 }), 10),
          };
        } catch (err) {
          return { node, error: errorCode(err) };
        }
      }),
    ),
  }));
}

/**
 * Waits until every client holds each conversation it is a member of (by the audited
 * timelines) up to its last seq, or the deadline passes; returns how many are not there.
 */
export async function awaitConvergence(
  clients: ClientRecord[],
  audits: ConversationAudit[],
  timeoutMs: number,
): Promise<number> {
  const targets = audits.flatMap((audit) => {
    const answer = audit.byNode.find((a) => 'entries' in a);
    if (!answer || !('entries' in answer)) return [];
    const entries = answer.entries;
    const tail = entries.at(-1);
    const last = tail ? (tail.kind === 'message' ? tail.message.seq : tail.event.seq) : 0;
    return clients
      .filter((c) => {
        const spans = membership(c.userId, entries, audit.foundingMembers.includes(c.userId));
        return spans.at(-1)?.to === null;
      })
      .map((c) => ({ client: c, conversationId: audit.conversationId, last }));
  });
  const behind = () => targets.filter((t) => (t.client.last.get(t.conversationId) ?? 0) < t.last);
  const deadline = Date.now() + timeoutMs;
  while (behind().length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return behind().length;
}

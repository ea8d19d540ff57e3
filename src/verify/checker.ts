import { eventMember, type TimelineItem } from '../client/index.js';
import type { ClientRecord, SendRecord, ViewEntry } from './history.js';

/** Every node's answer for one conversation's whole timeline (REST, paged to the end). */
export interface ConversationAudit {
  conversationId: string;
  /** Users who are members from the conversation's first entry on (a DM's two users). */
  foundingMembers: string[];
  /** Per node URL: the timeline, or why it could not be read. */
  byNode: Array<{ node: string; entries: TimelineItem[] } | { node: string; error: string }>;
}

/** The run's numbers; any of lost … auditErrors above zero is an anomaly. */
export interface CheckCounts {
  sends: number;
  acked: number;
  /** Acked, but absent from the timeline, or at another seq or id than the ack said. */
  lost: number;
  /** Two entries for one sender's clientMsgId, two answers naming different messages, or an entry handed to a client twice. */
  duplicated: number;
  /** A timeline with a gap or out of order, or a client's entries not in increasing seq order. */
  order: number;
  /** Conversations whose timeline differs between nodes. */
  divergence: number;
  /** Client views missing entries the user is entitled to, or holding entries it is not. */
  notConverged: number;
  /** Messages a client shows with another text or deletion state than the timeline's. */
  stale: number;
  /** Timelines a node could not answer after the faults were healed. */
  auditErrors: number;
  /** Not acked (refused, or still pending at the end), but stored: fine, and counted. */
  recovered: number;
  /** Not acked and not stored. */
  unacked: number;
}

/** The checks' result: counts and the first few anomalies spelled out. */
export interface CheckResult {
  counts: CheckCounts;
  examples: string[];
}

const MAX_EXAMPLES = 20;

type Entry = TimelineItem;
const seqOf = (e: Entry) => (e.kind === 'message' ? e.message.seq : e.event.seq);

/**
 * The checker: compares what the workload was told (acks), what every node stores (the audited
 * timelines) and what every client holds, and counts each kind of anomaly. Pure: all inputs are
 * recorded data, so it is tested on hand-made histories as well as on live runs.
 */
export function check(input: {
  sends: SendRecord[];
  clients: ClientRecord[];
  audits: ConversationAudit[];
}): CheckResult {
  const counts: CheckCounts = {
    sends: input.sends.length,
    acked: 0,
    lost: 0,
    duplicated: 0,
    order: 0,
    divergence: 0,
    notConverged: 0,
    stale: 0,
    auditErrors: 0,
    recovered: 0,
    unacked: 0,
  };
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };

  const timelines = new Map<string, Map<number, Entry>>();
  for (const audit of input.audits) {
    const reference = referenceTimeline(audit, counts, note);
    if (reference)
      timelines.set(audit.conversationId, new Map(reference.map((e) => [seqOf(e), e])));
  }
  const stored = indexMessages(timelines, counts, note);
  checkSends(input.sends, timelines, stored, counts, note);
  for (const client of input.clients) checkClient(client, input.audits, timelines, counts, note);
  return { counts, examples };
}

/** The first node's timeline; others that differ count as divergence; gaps count as order. */
function referenceTimeline(
  audit: ConversationAudit,
  counts: CheckCounts,
  note: (text: string) => void,
): Entry[] | null {
  let reference: Entry[] | null = null;
  let referenceJson = '';
  for (const answer of audit.byNode) {
    if ('error' in answer) {
      counts.auditErrors += 1;
      note(
        `conversation ${audit.conversationId}: ${answer.node} could not answer (${answer.error})`,
      );
      continue;
    }
    const json = JSON.stringify(answer.entries);
    if (reference === null) {
      reference = answer.entries;
      referenceJson = json;
    } else if (json !== referenceJson) {
      counts.divergence += 1;
      note(`conversation ${audit.conversationId}: ${answer.node} answers another timeline`);
      break;
    }
  }
  if (!reference) return null;
  let previous = 0;
  for (const entry of reference) {
    const seq = seqOf(entry);
    if (seq !== previous + 1) {
      counts.order += 1;
      note(`conversation ${audit.conversationId}: seq ${seq} follows seq ${previous}`);
    }
    previous = Math.max(previous, seq);
  }
  return reference;
}

/** The stored messages by sender + clientMsgId; a second one for the same key is a duplicate. */
function indexMessages(
  timelines: Map<string, Map<number, Entry>>,
  counts: CheckCounts,
  note: (text: string) => void,
): Map<string, { conversationId: string; id: string; seq: number }> {
  const stored = new Map<string, { conversationId: string; id: string; seq: number }>();
  for (const [conversationId, entries] of timelines) {
    const seen = new Set<string>();
    for (const entry of entries.values()) {
      if (entry.kind !== 'message') continue;
      const m = entry.message;
      // The workload's bodies start with the clientMsgId: a copy stored under another
      // clientMsgId is still recognised as the same send.
      const keys = [`${m.sender}|${m.clientMsgId}`];
      const token = m.body.split(' ')[0];
      if (token && token !== m.clientMsgId) keys.push(`${m.sender}|${token}`);
      if (keys.some((k) => seen.has(k))) {
        counts.duplicated += 1;
        note(`conversation ${conversationId}: seq ${m.seq} stores ${m.clientMsgId} again`);
        continue;
      }
      for (const k of keys) {
        seen.add(k);
        stored.set(k, { conversationId, id: m.id, seq: m.seq });
      }
    }
  }
  return stored;
}

function checkSends(
  sends: SendRecord[],
  timelines: Map<string, Map<number, Entry>>,
  stored: Map<string, { conversationId: string; id: string; seq: number }>,
  counts: CheckCounts,
  note: (text: string) => void,
): void {
  for (const send of sends) {
    const found = stored.get(`${send.userId}|${send.clientMsgId}`);
    if (send.answers.length === 0) {
      if (found) counts.recovered += 1;
      else counts.unacked += 1;
      continue;
    }
    counts.acked += 1;
    const first = send.answers[0]!;
    if (send.answers.some((a) => a.id !== first.id || a.seq !== first.seq)) {
      counts.duplicated += 1;
      note(`send ${send.clientMsgId}: answers name different messages`);
    }
    const timeline = timelines.get(send.conversationId);
    if (!timeline) continue; // unreadable: counted as an audit error
    const entry = timeline.get(first.seq);
    const at = entry?.kind === 'message' ? entry.message : null;
    if (!at || at.id !== first.id || at.clientMsgId !== send.clientMsgId) {
      counts.lost += 1;
      note(
        `send ${send.clientMsgId}: acked as seq ${first.seq} in ${send.conversationId}, ` +
          (found ? `stored at seq ${found.seq}` : 'not stored'),
      );
    }
  }
}

/** A user's membership in a conversation as seq ranges [from, to] (to = null: still a member). */
export function membership(
  userId: string,
  entries: Entry[],
  founding: boolean,
): Array<{ from: number; to: number | null }> {
  const spans: Array<{ from: number; to: number | null }> = founding ? [{ from: 1, to: null }] : [];
  for (const entry of entries) {
    if (entry.kind !== 'event') continue;
    const event = entry.event;
    const about = eventMember(event)?.userId === userId;
    const joins =
      (event.type === 'member.added' && about) ||
      (event.type === 'conversation.created' &&
        event.data.members.some((m) => m.userId === userId));
    const leaves = (event.type === 'member.removed' || event.type === 'member.left') && about;
    const seq = event.seq;
    const open = spans.at(-1);
    if (joins && (!open || open.to !== null)) spans.push({ from: seq, to: null });
    if (leaves && open && open.to === null) open.to = seq;
  }
  return spans;
}

function checkClient(
  client: ClientRecord,
  audits: ConversationAudit[],
  timelines: Map<string, Map<number, Entry>>,
  counts: CheckCounts,
  note: (text: string) => void,
): void {
  for (const a of client.appAnomalies) {
    if (a.kind === 'duplicate') counts.duplicated += 1;
    else counts.order += 1;
    note(`${client.label}: handed seq ${a.seq} of ${a.conversationId} after ${a.previous}`);
  }
  for (const a of client.tap.stats.anomalies) {
    if (a.kind === 'duplicate') counts.duplicated += 1;
    else if (a.kind === 'gap') counts.order += 1;
    else counts.notConverged += 1;
    note(
      `${client.label}: socket received seq ${a.seq} of ${a.conversationId}` +
        (a.kind === 'leak' ? ' while not a member' : ` (expected ${a.expected})`) +
        (a.trace ? `; the socket's last frames: ${a.trace.join(' | ')}` : ''),
    );
  }
  for (const audit of audits) {
    const timeline = timelines.get(audit.conversationId);
    if (!timeline) continue;
    const entries = [...timeline.values()];
    const spans = membership(client.userId, entries, audit.foundingMembers.includes(client.userId));
    const view = client.view.get(audit.conversationId) ?? new Map<number, ViewEntry>();
    const current = spans.at(-1);
    if (current && current.to === null) {
      const missing = entries.filter((e) => seqOf(e) >= current.from && !view.has(seqOf(e)));
      if (missing.length > 0) {
        counts.notConverged += 1;
        note(
          `${client.label}: misses ${missing.length} entries of ${audit.conversationId} ` +
            `(first seq ${seqOf(missing[0]!)}; member over ${JSON.stringify(spans)}; ` +
            `the library's cursor ${client.client.cursors.get(audit.conversationId) ?? 'none'}; ` +
            `frames: ${(client.tap.stats.traces.get(audit.conversationId) ?? []).join(' | ')})`,
        );
      }
    } else {
      const after = current?.to ?? 0;
      const leaked = [...view.keys()].filter((seq) => seq > after);
      if (leaked.length > 0) {
        counts.notConverged += 1;
        note(
          `${client.label}: holds ${leaked.length} entries of ${audit.conversationId} after leaving it at seq ${after}`,
        );
      }
    }
    // Edits and deletions reach a member from its (last) joining on; a former member's view
    // stays as it was when it left.
    if (!current || current.to !== null) continue;
    for (const [seq, held] of view) {
      if (seq < current.from) continue;
      const entry = timeline.get(seq);
      if (held.kind !== 'message' || entry?.kind !== 'message') continue;
      const m = entry.message;
      if (held.id !== m.id || held.body !== m.body || held.deleted !== (m.deletedAt !== null)) {
        counts.stale += 1;
        note(
          `${client.label}: shows seq ${seq} of ${audit.conversationId} as ` +
            `${JSON.stringify(held.deleted ? '(deleted)' : held.body)}, the timeline as ` +
            JSON.stringify(m.deletedAt !== null ? '(deleted)' : m.body),
        );
      }
    }
  }
}

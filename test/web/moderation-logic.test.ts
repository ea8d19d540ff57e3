import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestApi } from '../../src/client/index.js';
import type { MemberDto, TimelineEventDto } from '../../src/protocol/schemas.js';
import {
  canModerate,
  mutedUntilOf,
  untilText,
  type ModeratedMember,
} from '../../web/src/lib/groups.js';
import { Groups } from '../../web/src/state/groups.js';
import { LoadedHistory } from '../../web/src/state/history.js';
import { lastMessagePreview } from '../../web/src/lib/format.js';
import { conversationDto, messageDto } from '../helpers/dtos.js';

const alice = { userId: 'u-alice', username: 'alice' };
const bob = { userId: 'u-bob', username: 'bob' };

function event<T extends TimelineEventDto['type']>(
  seq: number,
  type: T,
  data: Extract<TimelineEventDto, { type: T }>['data'],
  actor = alice.userId,
): TimelineEventDto {
  return { conversationId: 'c', seq, type, actor, data, createdAt: 1000 + seq } as TimelineEventDto;
}

function member(userId: string, mutedUntil: number | null): ModeratedMember {
  const base: Omit<MemberDto, 'historyFrom' | 'mutedUntil'> = {
    conversationId: 'c',
    userId,
    username: userId,
    role: 'member',
    joinedAt: 0,
    lastReadSeq: 0,
  };
  return Object.assign(base, { historyFrom: 0, mutedUntil });
}

/** Groups state with no node behind it: these checks never call it. */
function groups(me: string): Groups {
  const api = {} as RestApi;
  return new Groups({ api, me, changed: () => undefined, open: () => undefined, forget: () => {} });
}

describe('web state: moderation', () => {
  it('[UIG4][UIG5] who may remove a message or mute a member: owners anyone else, admins plain members, server admins anyone', () => {
    const as = (role: 'owner' | 'admin' | 'member' | null, serverAdmin = false) => ({
      userId: 'me',
      role,
      serverAdmin,
    });
    const of = (role: 'owner' | 'admin' | 'member' | null) => ({ userId: 'them', role });
    assert.equal(canModerate(as('owner'), of('admin')), true);
    assert.equal(canModerate(as('owner'), of('member')), true);
    assert.equal(canModerate(as('admin'), of('member')), true);
    // A former member's message: their role is unknown, a plain member's rule applies.
    assert.equal(canModerate(as('admin'), of(null)), true);
    assert.equal(canModerate(as('admin'), of('admin')), false);
    assert.equal(canModerate(as('admin'), of('owner')), false);
    assert.equal(canModerate(as('member'), of('member')), false);
    // A DM has no roles: only a server admin moderates there.
    assert.equal(canModerate(as(null), of(null)), false);
    assert.equal(canModerate(as(null, true), of(null)), true);
    assert.equal(canModerate(as('member', true), of('owner')), true);
    // One's own message is deleted, not removed.
    assert.equal(canModerate(as('owner', true), { userId: 'me', role: 'owner' }), false);
  });

  it('[UIG6] the user’s own mute: from the member list, then the member.muted events about them; it ends by itself', () => {
    const g = groups(bob.userId);
    const now = Date.now();
    assert.equal(g.mutedUntil('c', undefined), null);
    assert.equal(g.mutedUntil('c', [member(bob.userId, now + 60_000)]), now + 60_000);
    // An expired mute is no mute.
    assert.equal(g.mutedUntil('c', [member(bob.userId, now - 1)]), null);
    assert.equal(mutedUntilOf(member('x', now + 10), now + 10), null);
    // Another member's mute is not the user's.
    g.apply(event(7, 'member.muted', { ...alice, until: now + 60_000 }));
    assert.equal(g.mutedUntil('c', [member(bob.userId, null)]), null);
    // A live mute overrides the list read before it, and a live unmute too.
    g.apply(event(8, 'member.muted', { ...bob, until: now + 3_600_000 }));
    assert.equal(g.mutedUntil('c', [member(bob.userId, null)]), now + 3_600_000);
    g.apply(event(9, 'member.muted', { ...bob, until: null }));
    assert.equal(g.mutedUntil('c', [member(bob.userId, now + 3_600_000)]), null);
    g.apply(event(10, 'member.muted', { ...bob, until: now + 60_000 }));
    g.forgot('c');
    assert.equal(g.mutedUntil('c', undefined), null);
  });

  it('[UIG4][UIG7] a removal by a moderator marks the message; member.joined, member.muted and access changes are system lines', () => {
    const h = new LoadedHistory();
    h.merge([
      messageDto({ seq: 1, conversationId: 'c', sender: bob.userId, senderName: 'bob' }),
      messageDto({ seq: 2, conversationId: 'c', sender: bob.userId, senderName: 'bob' }),
    ]);
    h.apply(event(3, 'message.deleted', { seq: 1, deletedAt: 5, by: alice }));
    h.apply(event(4, 'message.deleted', { seq: 2, deletedAt: 6 }, bob.userId));
    assert.equal(h.get(1)?.deletedBy, alice.userId);
    assert.equal(h.get(2)?.deletedBy, null);
    h.apply(event(5, 'member.joined', { userId: 'u-carol', username: 'carol' }, 'u-carol'));
    h.apply(event(6, 'member.muted', { ...bob, until: 99_000 }));
    h.apply(
      event(7, 'conversation.access_changed', {
        visibility: 'public',
        history: 'joined',
        previousVisibility: 'private',
        previousHistory: 'all',
      }),
    );
    assert.deepEqual(
      h.view().entries.map((e) => (e.kind === 'event' ? e.event.type : e.message.seq)),
      [1, 2, 'member.joined', 'member.muted', 'conversation.access_changed'],
    );
  });

  it('[UIG5] a mute’s end reads as a time today, a weekday within the week, else a date', () => {
    const now = new Date(2026, 5, 10, 9, 0).getTime();
    const today = untilText(now + 3_600_000, now);
    assert.match(today, /^\d{2}:\d{2}$|^\d{1,2}:\d{2}\s?[AP]M$/i);
    const week = untilText(now + 2 * 86_400_000, now);
    // Two days on, same time of day: the weekday before the time.
    assert.ok(week.endsWith(untilText(now, now)), week);
    assert.notEqual(week, untilText(now, now));
    assert.notEqual(untilText(now + 20 * 86_400_000, now), week);
  });
});

describe('web: the sidebar preview of a removed message', () => {
  it('[UIG4] says who removed it: the sender ("Message deleted") or a moderator', () => {
    const gone = { seq: 7, body: '', deletedAt: 5, sender: bob.userId, senderName: 'bob' };
    const own = conversationDto({ lastMessage: messageDto({ ...gone, deletedBy: null }) });
    const moderated = conversationDto({
      lastMessage: messageDto({ ...gone, deletedBy: alice.userId }),
    });
    assert.equal(lastMessagePreview(own, alice.userId), 'bob: Message deleted');
    assert.equal(lastMessagePreview(moderated, alice.userId), 'bob: Removed by a moderator');
  });
});

import type { ConversationDto, MessageDto } from '../../src/protocol/schemas.js';

/**
 * A plain stored message as the wire carries it (no reply, mentions or reactions), for tests
 * that feed front-end and client code without a node; `fields` override the defaults.
 */
export function messageDto(fields: Partial<MessageDto> & Pick<MessageDto, 'seq'>): MessageDto {
  const { seq } = fields;
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    sender: 'u-other',
    senderName: 'other',
    clientMsgId: `c${seq}`,
    body: `message ${seq}`,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    threadRoot: null,
    mentions: [],
    mentionsAll: false,
    reply: null,
    replyCount: 0,
    reactions: [],
    attachments: [],
    deletedBy: null,
    ...fields,
  };
}

/**
 * A read group `team` of three (c1) as a member's conversation list carries it, for tests that
 * feed the client's caches without a node; `fields` override the defaults.
 */
export function conversationDto(fields: Partial<ConversationDto> = {}): ConversationDto {
  return {
    id: 'c1',
    kind: 'group',
    name: 'team',
    createdBy: 'ann',
    createdAt: 1,
    lastSeq: 3,
    lastMessageAt: 1,
    allMentions: 'members',
    visibility: 'private',
    history: 'all',
    role: 'member',
    lastReadSeq: 3,
    unreadCount: 0,
    mentionCount: 0,
    memberCount: 3,
    peer: null,
    muted: false,
    lastMessage: null,
    ...fields,
  };
}

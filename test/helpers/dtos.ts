import type { MessageDto } from '../../src/protocol/schemas.js';

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
    ...fields,
  };
}

import { z } from 'zod';
import { identifier } from './schemas.js';

/** An account as a server admin sees it (rule AD3). */
export const AdminUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    createdAt: z.number(),
    deletedAt: z.number().nullable(),
    admin: z.boolean(),
    suspendedAt: z.number().nullable(),
    suspendedReason: z.string().nullable(),
    /** The latest activity known, whatever the user's last-seen privacy setting. */
    lastSeenAt: z.number().nullable(),
    email: z.string().nullable(),
  })
  .meta({ id: 'AdminUser' });

export const AdminUserStatusSchema = z.enum(['active', 'suspended', 'deleted']);

export const AdminUsersQuery = z.object({
  q: identifier(64, 0).optional(),
  /** The `next` of the previous page (`username:id`). */
  after: identifier(200, 0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  status: AdminUserStatusSchema.optional(),
});

export const AdminUserPath = z.object({ id: identifier() });

export const SuspendBody = z.object({ reason: identifier(2_000, 0).optional() });

export const DeleteUserQuery = z.object({ messages: z.enum(['keep', 'erase']).optional() });

const UserRefSchema = z.object({ userId: z.string(), username: z.string() });

/** One line of the audit log (rule AD8). */
export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.number(),
    /** null: the operator, through `parley admin` on the server host. */
    actor: UserRefSchema.nullable(),
    action: z.string(),
    targetUser: UserRefSchema.nullable(),
    targetConversationId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

export const AuditQuery = z.object({
  before: identifier(64, 0).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const AdminUserResponse = z.object({ user: AdminUserSchema });
export const AdminUsersResponse = z.object({
  users: z.array(AdminUserSchema),
  next: z.string().nullable(),
});
export const AuditResponse = z.object({
  entries: z.array(AuditEntrySchema),
  nextBefore: z.string().nullable(),
});

export type AdminUserDto = z.infer<typeof AdminUserSchema>;
export type AdminUserStatusDto = z.infer<typeof AdminUserStatusSchema>;
export type AuditEntryDto = z.infer<typeof AuditEntrySchema>;

import { z } from 'zod';
import { GroupVisibilitySchema, HistoryVisibilitySchema } from './events.js';
import { id } from './primitives.js';

/**
 * Wire schemas of public groups and moderation (issue 16, rules PG1-PG11). Browser-safe, like
 * schemas.ts.
 */

/** `PUT …/access`: either or both (rule PG3). */
export const AccessBody = z
  .object({
    visibility: GroupVisibilitySchema.optional(),
    history: HistoryVisibilitySchema.optional(),
  })
  .strict();

/** Longest mute, in minutes: 30 days (rule PG10). */
export const MUTE_MINUTES_MAX = 43_200;

/** `PUT …/members/:username/mute` (rule PG10). */
export const MuteBody = z
  .object({ minutes: z.number().int().min(1).max(MUTE_MINUTES_MAX) })
  .strict();

/** `GET /api/v1/groups/public` (rule PG2). */
export const PublicGroupsQuery = z.object({
  q: z.string().max(200).optional(),
  after: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const PublicGroupSchema = z
  .object({
    id,
    name: z.string(),
    memberCount: z.number().int(),
    lastMessageAt: z.number(),
    joined: z.boolean(),
  })
  .meta({ id: 'PublicGroup' });

export const PublicGroupPageSchema = z
  .object({ groups: z.array(PublicGroupSchema), next: z.string().nullable() })
  .meta({ id: 'PublicGroupPage' });

export type PublicGroupDto = z.infer<typeof PublicGroupSchema>;
export type PublicGroupPageDto = z.infer<typeof PublicGroupPageSchema>;

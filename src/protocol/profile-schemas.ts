import { z } from 'zod';
import { identifier } from './schemas.js';

/** Most profiles one GET /api/v1/profiles answers (rule PR2). */
export const PROFILES_BATCH_MAX = 100;

/** A user's public profile (rules PR1-PR6). */
export const ProfileSchema = z
  .object({
    userId: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    statusText: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    lastSeenAt: z.number().nullable(),
    online: z.boolean(),
  })
  .meta({ id: 'Profile' });
export type ProfileDto = z.infer<typeof ProfileSchema>;

/**
 * PATCH /api/v1/me/profile: fields left out keep their value; null or a blank string clears.
 * Lengths are checked by the service in code points (rule PR3); this bound only stops a huge
 * string before it is parsed further.
 */
export const ProfileBody = z.object({
  displayName: z.string().max(1024).nullable().optional(),
  statusText: z.string().max(1024).nullable().optional(),
});

/** `?ids=a,b,c`: comma-separated user ids, at most PROFILES_BATCH_MAX. */
export const ProfilesQuery = z.object({ ids: z.string().max(PROFILES_BATCH_MAX * 65) });

export const AvatarPath = z.object({ id: identifier() });
export const AvatarQuery = z.object({ v: z.string().max(32).optional() });

import { z } from 'zod';

/** Field schemas shared by the DTOs and the timeline events (what the server sends). */

/** An id as the server sends it (ULIDs, usernames as keys). */
export const id = z.string().min(1).max(64);

/** A position in a conversation's timeline. */
export const seq = z.number().int().min(0);

/** A member's role in a conversation. */
export const RoleSchema = z.enum(['owner', 'admin', 'member']);

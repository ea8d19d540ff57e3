import type { ProfileDto } from '../../../src/client/index.js';
import { formatFull, formatTime, sameDay } from './format.js';

/** Rule PR3's limits, in code points (the node refuses longer). */
export const DISPLAY_NAME_MAX = 64;
export const STATUS_TEXT_MAX = 140;
/** The largest avatar upload (rule PR4). */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/** The name to show for a user: the display name if set, else the username. */
export function displayName(profile: ProfileDto | undefined, fallback: string): string {
  return profile?.displayName ?? fallback;
}

/** "Online", "Last seen 5 min ago", or null when hidden or never seen. */
export function presenceLine(profile: ProfileDto, now = Date.now()): string | null {
  if (profile.online) return 'Online';
  if (profile.lastSeenAt === null) return null;
  const at = profile.lastSeenAt;
  if (sameDay(at, now)) return `Last seen today at ${formatTime(at)}`;
  if (sameDay(at, now - 86_400_000)) return `Last seen yesterday at ${formatTime(at)}`;
  return `Last seen ${formatFull(at)}`;
}

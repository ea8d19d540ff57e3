import type { ProfileDto } from '../../client/index.js';
import { localDateTime } from './format.js';

/**
 * A profile as lines (rule PR7): `Rosa Parks (@rosa) ● online`, then the status and when they
 * were last seen (if they share it), then the picture's URL when they have one.
 */
export function formatProfile(p: ProfileDto, avatarUrl?: (path: string) => string): string[] {
  const name = p.displayName ? `${p.displayName} (@${p.username})` : `@${p.username}`;
  const lines = [`${name} ${p.online ? '● online' : '○ offline'}`];
  if (p.statusText) lines.push(`  status: ${p.statusText}`);
  if (!p.online && p.lastSeenAt !== null) lines.push(`  last seen ${localDateTime(p.lastSeenAt)}`);
  if (p.avatarUrl) lines.push(`  picture: ${avatarUrl ? avatarUrl(p.avatarUrl) : p.avatarUrl}`);
  return lines;
}

/** A message header's name: `Rosa Parks (rosa)` when a display name is set, else `rosa`. */
export function headerName(username: string, displayName: string | null | undefined): string {
  return displayName ? `${displayName} (${username})` : username;
}

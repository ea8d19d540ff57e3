import { mentionsUser } from '../../client/index.js';
import type { ConversationDto, MessageDto } from '../../protocol/schemas.js';

/**
 * When the terminal rings its bell (rule CLI4, the terminal's share of N2): a new message that
 * is a DM to the user or mentions them (by name or @all), not their own, not in a conversation
 * they muted, not while do-not-disturb lasts. The DND end is the user's setting
 * (`doNotDisturbUntil`), read at start and on every reconnect and changed by /dnd.
 */
export class Bell {
  /** Epoch ms until which nothing rings; null when do-not-disturb is off. */
  dndUntil: number | null = null;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Do-not-disturb is on now. */
  get dndActive(): boolean {
    return this.dndUntil !== null && this.#now() < this.dndUntil;
  }

  /** Whether `message`, just delivered live, rings for the user `me`. */
  rings(
    message: MessageDto,
    conversation: Pick<ConversationDto, 'kind' | 'muted'> | null | undefined,
    me: string | undefined,
  ): boolean {
    if (me === undefined || message.sender === me || message.deletedAt !== null) return false;
    if (conversation?.muted || this.dndActive) return false;
    return conversation?.kind === 'dm' || mentionsUser(message, me);
  }
}

/** Units /dnd takes: `90m`, `1h`, `1h30m`, `2d`. */
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** The longest do-not-disturb /dnd sets at once. */
const DND_MAX_MS = 30 * UNITS.d!;

/**
 * The end of do-not-disturb typed after /dnd, from `now`: a duration (`45m`, `1h`, `1h30m`,
 * `2d`, at most 30 days), a local clock time (`18:00`: the next one), `off` (null). Anything
 * else is an Error that says what is understood.
 */
export function parseDnd(text: string, now: number): number | null {
  const typed = text.trim().toLowerCase();
  if (typed === 'off') return null;
  const clock = /^(\d{1,2}):(\d{2})$/.exec(typed);
  if (clock) {
    const [hours, minutes] = [Number(clock[1]), Number(clock[2])];
    if (hours > 23 || minutes > 59) throw new Error(`${text} is not a time of day`);
    const at = new Date(now);
    at.setHours(hours, minutes, 0, 0);
    if (at.getTime() <= now) at.setDate(at.getDate() + 1);
    return at.getTime();
  }
  if (/^(\d+[mhd])+$/.test(typed)) {
    let ms = 0;
    for (const [, n, unit] of typed.matchAll(/(\d+)([mhd])/g)) ms += Number(n) * UNITS[unit!]!;
    if (ms > 0 && ms <= DND_MAX_MS) return now + ms;
  }
  throw new Error(
    `usage: /dnd 1h | 30m | 1h30m | 2d (up to 30d) | 18:00 | off — not "${text.trim()}"`,
  );
}

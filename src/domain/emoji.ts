import { MAX_EMOJI_UNITS } from './limits.js';

/**
 * Exactly one RGI emoji (Unicode's recommended-for-general-interchange set): a ZWJ sequence, a
 * skin-tone modifier sequence, a flag or a keycap counts as one; text, two emoji or an empty
 * string does not. The same test as src/format/emoji.ts's `isSingleEmoji`, here because the
 * services may not import the format layer. Built with `new RegExp` because the `v` flag is
 * newer than the compiler's target (Node 20 runs it).
 */
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** True if `s` is one emoji a reaction may be (rule R4): one RGI emoji, at most 64 UTF-16 units. */
export function isReactionEmoji(s: string): boolean {
  return s.length > 0 && s.length <= MAX_EMOJI_UNITS && SINGLE_EMOJI.test(s);
}

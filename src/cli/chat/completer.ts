import { completionAt, mentionCompletions } from '../../format/completion.js';
import { emojiForShortcode, searchShortcodes } from '../../format/emoji.js';

/** What Tab can complete from: the chat's commands and the open conversation's context. */
export interface CompletionSource {
  /** Command names, without the slash. */
  commands(): readonly string[];
  /** Usernames of the open conversation's members, the user's own left out. */
  members(): readonly { username: string }[];
  /** Every conversation by label: `#group`, `@peer`. */
  conversations(): readonly string[];
  /** The open conversation is a group where the user may mention `@all`. */
  allowAll(): boolean;
  /** Paths on disk that complete a typed one (directories end with `/`), for `/upload`. */
  files?(typed: string): readonly string[];
  /** Usernames on the server starting with `prefix` (a user search), for `/dm` and `/add`. */
  users?(prefix: string): Promise<readonly string[]>;
}

/** What a Tab gives: candidates and the text they replace (a user search answers later). */
export type Completion = [string[], string];

/** Most candidates offered for one Tab. */
const LIMIT = 30;
/** Commands whose first argument names a conversation. */
const CONVERSATION_ARGUMENT = /^\/open\s+(\S*)$/;
/** `/upload`'s path (completed from the disk). */
const PATH_ARGUMENT = /^\/upload\s+(\S*)$/;
/** `/dnd`'s argument, and what it is offered. */
const DND_ARGUMENT = /^\/dnd\s+(\S*)$/;
const DND_CHOICES = ['30m', '1h', '2h', '8h', '1d', 'off'];
/** Commands whose argument is any user on the server (and `/group create NAME USER…`). */
const ANY_USER_ARGUMENT = /^\/(?:dm\s+|add\s+|group\s+create\s+\S+\s+(?:\S+\s+)*)(\S*)$/i;
/** Commands whose first argument is a member of the open conversation. */
const MEMBER_ARGUMENT = /^\/(?:role|mute|unmute|remove)\s+([^#\s]\S*|)$/i;
/** A complete `:shortcode:` at the end of the line, not glued to a word. */
const WHOLE_SHORTCODE = /(?:^|[^\p{L}\p{N}]):([a-z0-9_+-]+):$/iu;

/**
 * A readline completer (`[candidates, the text they replace]`) for the line left of the caret:
 * `/co` → `/conversations `, `@bo` → `@bob ` (members of the open conversation), `#te` →
 * `#team ` (and `/open te`), `:thu` → `:thumbsup:` and friends, a whole `:thumbsup:` → 👍,
 * `/upload ~/Doc` → `~/Documents/` (paths on disk), `/dnd o` → `/dnd off `, `/dm al` →
 * `/dm alice ` (a user search on the server; `/add`, `/group create NAME USER…` too),
 * `/role bo` → `/role bob ` (members; `/mute`, `/unmute`, `/remove` too).
 * Nothing to complete gives no candidates, so Tab never inserts whitespace.
 */
export function completeLine(
  line: string,
  source: CompletionSource,
): Completion | Promise<Completion> {
  const command = /^\/(\S*)$/.exec(line);
  if (command) {
    const prefix = command[1]!.toLowerCase();
    const names = source.commands().filter((name) => name.startsWith(prefix));
    return [finish(names.map((name) => `/${name}`)), line];
  }
  const pathArgument = PATH_ARGUMENT.exec(line);
  if (pathArgument) {
    const typed = pathArgument[1]!;
    const paths = [...(source.files?.(typed) ?? [])];
    // A directory goes on being typed into; only a file gets its trailing space.
    return [paths.length === 1 && paths[0]!.endsWith('/') ? paths : finish(paths), typed];
  }
  const dndArgument = DND_ARGUMENT.exec(line);
  if (dndArgument) {
    const typed = dndArgument[1]!.toLowerCase();
    return [finish(DND_CHOICES.filter((choice) => choice.startsWith(typed))), dndArgument[1]!];
  }
  const anyUser = ANY_USER_ARGUMENT.exec(line);
  const search = source.users?.bind(source);
  if (anyUser && search) return completeUsers(anyUser[1]!, search);
  const member = MEMBER_ARGUMENT.exec(line) ?? anyUser;
  if (member) {
    const typed = member[1]!;
    const names = source.members().map((m) => m.username);
    return [finish(matchUsers(names, typed)), typed];
  }
  const openArgument = CONVERSATION_ARGUMENT.exec(line);
  if (openArgument) {
    const word = openArgument[1]!;
    return [finish(matchConversations(source, word, true)), word];
  }
  const word = /\S*$/.exec(line)![0];
  if (word.startsWith('#') && !word.includes(':'))
    return [finish(matchConversations(source, word, false)), word];
  const whole = WHOLE_SHORTCODE.exec(line);
  if (whole) {
    const emoji = emojiForShortcode(whole[1]!);
    if (emoji) return [[emoji], `:${whole[1]}:`];
  }
  const token = completionAt(line, line.length);
  if (!token) return [[], line];
  const typed = line.slice(token.start);
  if (token.kind === 'emoji') {
    const shortcodes = searchShortcodes(token.query, LIMIT).map((m) => `:${m.shortcode}:`);
    return [shortcodes, typed];
  }
  const names = mentionCompletions(token, source.members(), {
    allowAll: source.allowAll(),
    limit: LIMIT,
  });
  return [finish(names.map((name) => `@${name}`)), typed];
}

/** A single candidate gets its trailing space, so typing goes on with the next word. */
function finish(candidates: string[]): string[] {
  return candidates.length === 1 ? [`${candidates[0]} `] : candidates;
}

/** Conversation labels that start with the word (`#te`, or a bare `te` after /open). */
function matchConversations(source: CompletionSource, word: string, bare: boolean): string[] {
  const wanted = word.toLowerCase();
  return source
    .conversations()
    .filter((label) => {
      const name = label.toLowerCase();
      return name.startsWith(wanted) || (bare && name.slice(1).startsWith(wanted));
    })
    .slice(0, LIMIT);
}

/** A user search for the word being typed (`al` or `@al`); a failed search offers nothing. */
async function completeUsers(
  typed: string,
  search: (prefix: string) => Promise<readonly string[]>,
): Promise<Completion> {
  const names = await search(typed.replace(/^@/, '')).catch(() => []);
  return [finish(matchUsers(names, typed)), typed];
}

/** The usernames that start with the typed word, written the way it is (with `@` or without). */
function matchUsers(names: readonly string[], typed: string): string[] {
  const at = typed.startsWith('@') ? '@' : '';
  const wanted = typed.slice(at.length).toLowerCase();
  return names
    .filter((name) => name.toLowerCase().startsWith(wanted))
    .slice(0, LIMIT)
    .map((name) => at + name);
}

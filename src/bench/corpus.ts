import type { SearchQuery } from './options.js';

/**
 * The synthetic history of the `search` scenario (rule B3): a seeded generator, so the same
 * `--seed` gives the same words, conversations and messages. Words follow a Zipf-like law
 * (the k-th most frequent word is about 1/k as frequent as the first), as in natural text, so
 * the history has terms found in a large share of the messages and terms found in a handful.
 */

/** A small fast PRNG (mulberry32): deterministic from its seed, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';

/**
 * `size` distinct pronounceable lowercase words of two to four syllables (search tokens as they
 * are: ASCII letters only), in rank order: index 0 is the most frequent.
 */
export function vocabulary(size: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 3);
    let w = '';
    for (let s = 0; s < syllables; s++) {
      w += CONSONANTS[Math.floor(random() * CONSONANTS.length)]!;
      w += VOWELS[Math.floor(random() * VOWELS.length)]!;
    }
    words.add(w);
  }
  return [...words];
}

/** Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s, by binary search in the cumulative weights. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / Math.pow(k + 1, s);
    cumulative[k] = total;
  }
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Words in the vocabulary: enough that the rarest ones occur a few times in a million messages. */
export const VOCABULARY_SIZE = 200_000;

/** One generated message: which conversation, which of its members sent it, the body, when. */
export interface SeedMessage {
  conversation: number;
  sender: number;
  body: string;
  createdAt: number;
}

/** The shape of the history to generate. */
export interface CorpusPlan {
  seed: number;
  /** Messages in all. */
  history: number;
  /** Members per conversation, as many entries as conversations. */
  memberCounts: number[];
  /** The newest message's time (epoch ms); earlier ones are spaced about 10 s apart. */
  endAt: number;
}

/**
 * Generates the history in time order. Conversations get messages by a Zipf law over them too
 * (a few busy ones, many quiet ones); a message has 3 to 24 words, the first capitalized and
 * the last followed by a period, from the same vocabulary for every conversation. `counts`
 * receives, per word rank, the number of messages containing the word.
 */
export function* generateHistory(plan: CorpusPlan, counts: Uint32Array): Generator<SeedMessage> {
  const random = prng(plan.seed);
  const words = vocabulary(VOCABULARY_SIZE, random);
  const word = zipf(words.length, 1.0, random);
  const conversation = zipf(plan.memberCounts.length, 0.8, random);
  // Conversation ranks are shuffled so the busiest is not always the first one created.
  const order = plan.memberCounts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const seen = new Set<number>();
  let at = plan.endAt - plan.history * 10_000;
  for (let n = 0; n < plan.history; n++) {
    at += 1 + Math.floor(random() * 19_999);
    const c = order[conversation()]!;
    const length = 3 + Math.floor(random() * 22);
    const parts: string[] = [];
    seen.clear();
    for (let i = 0; i < length; i++) {
      const rank = word();
      parts.push(words[rank]!);
      if (!seen.has(rank)) {
        seen.add(rank);
        counts[rank] = (counts[rank] ?? 0) + 1;
      }
    }
    parts[0] = parts[0]![0]!.toUpperCase() + parts[0]!.slice(1);
    yield {
      conversation: c,
      sender: Math.floor(random() * plan.memberCounts[c]!),
      body: parts.join(' ') + '.',
      createdAt: Math.min(at, plan.endAt),
    };
  }
}

/** Query terms picked from what the generated history actually contains. */
export interface QueryTerms {
  /** Among the ten most frequent words. */
  common: string[];
  /** Found in about one message in a thousand. */
  medium: string[];
  /** Found in one to five messages. */
  rare: string[];
}

/** Picks query terms by their counts (messages containing each word, by rank). */
export function pickTerms(seed: number, counts: Uint32Array, history: number): QueryTerms {
  const words = vocabulary(VOCABULARY_SIZE, prng(seed));
  const ranks = [...counts.keys()];
  const common = ranks.slice(0, 10);
  const target = Math.max(2, history / 1000);
  const medium = ranks
    .filter((r) => counts[r]! >= target / 2 && counts[r]! <= target * 2)
    .slice(0, 20);
  const rare = ranks.filter((r) => counts[r]! >= 1 && counts[r]! <= 5).slice(-20);
  const name = (r: number) => words[r]!;
  return {
    common: common.map(name),
    medium: (medium.length ? medium : ranks.slice(10, 30)).map(name),
    rare: (rare.length ? rare : ranks.filter((r) => counts[r]! > 0).slice(-20)).map(name),
  };
}

/**
 * The query kinds of the search scenario, a few queries each: a rare term, a common term
 * (matches a large share of what the user can see: the newest-first page must be cut from
 * many hits), two terms (common AND medium), a prefix (three letters of a medium term), a
 * common term within one of the user's conversations, and a medium term ranked by relevance.
 */
export function searchQueries(terms: QueryTerms): SearchQuery[] {
  const pick = (list: string[], i: number) => list[i % list.length]!;
  const out: SearchQuery[] = [];
  for (let i = 0; i < 5; i++) {
    const q = (kind: string, text: string, extra: Record<string, string> = {}, conversation = -1) =>
      out.push({ kind, params: { q: text, ...extra }, conversation });
    q('rare', pick(terms.rare, i));
    q('common', pick(terms.common, i));
    q('two-terms', `${pick(terms.common, i + 1)} ${pick(terms.medium, i)}`);
    q('prefix', pick(terms.medium, i + 3).slice(0, 3));
    q('conversation', pick(terms.common, i + 2), {}, i);
    q('relevance', pick(terms.medium, i + 5), { order: 'relevance' });
  }
  return out;
}

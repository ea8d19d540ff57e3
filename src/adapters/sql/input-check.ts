import { inAlphabet, requireAlphabet, type Alphabet } from '../../domain/text.js';

/**
 * The alphabet of a string found at `path` in the arguments of `method`: message bodies use
 * rule S6's body alphabet, every other string (ids, names, keys, patterns) one line. Null for
 * strings the store writes JSON-encoded (event data), where every string is stored escaped
 * and reads back as it was on any engine.
 */
function alphabetOf(method: string, path: ReadonlyArray<string | number>): Alphabet | null {
  if (method === 'insertEvent' && path[1] === 'data') return null;
  // A file's bytes (rule F2): not text, and a chunk is too long to walk element by element.
  if (method === 'appendBlobChunk' && path[0] === 2) return null;
  if ((method === 'insertMessage' || method === 'appendPlainMessage') && path[1] === 'body')
    return 'body';
  if (method === 'editMessage' && path[0] === 2) return 'body';
  return 'line';
}

/**
 * Throws `invalid_request` for the first string in `value` outside its alphabet. `path` is one
 * array pushed and popped along the walk (every store call passes here: a valid argument
 * allocates nothing); the field's name is only spelled out for a refusal.
 */
function check(method: string, value: unknown, path: Array<string | number>): void {
  if (typeof value === 'string') {
    const alphabet = alphabetOf(method, path);
    if (alphabet && !inAlphabet(value, alphabet)) {
      const field = path.slice(1).join('.') || `argument ${Number(path[0]) + 1}`;
      requireAlphabet(alphabet, { [`${method}: ${field}`]: value });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      check(method, value[i], path);
      path.pop();
    }
    return;
  }
  if (typeof value === 'object' && value !== null && alphabetOf(method, path) !== null) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      path.push(key);
      check(method, (value as Record<string, unknown>)[key], path);
      path.pop();
    }
  }
}

/**
 * Refuses, before any statement, a string argument of `method` outside rule S6's alphabet
 * (throws `invalid_request`). SQLite would store NUL and lone surrogates where PostgreSQL
 * fails the statement (and, inside a batch, the transaction): checking here makes both
 * engines give one typed answer, even to a caller that skipped the edge.
 */
export function checkArguments(method: string, args: readonly unknown[]): void {
  for (let i = 0; i < args.length; i++) check(method, args[i], [i]);
}

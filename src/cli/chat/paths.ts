import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';

/** Most paths offered for one Tab. */
const LIMIT = 30;

/**
 * Paths that complete `typed` for `/upload` Tab: the entries of its directory whose names
 * start with its last part, directories with a trailing `/`; dot files only when the part
 * starts with a dot. `~/` stands for the home directory and stays as typed. An unreadable
 * directory offers nothing.
 */
export function listFiles(typed: string): string[] {
  const cut = typed.lastIndexOf('/') + 1;
  const shownDir = typed.slice(0, cut);
  const part = typed.slice(cut);
  const dir = (shownDir || './').replace(/^~(?=\/)/, homedir());
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.name.startsWith(part) && (part.startsWith('.') || !e.name.startsWith('.')))
      .map((e) => `${shownDir}${e.name}${e.isDirectory() ? '/' : ''}`)
      .sort()
      .slice(0, LIMIT);
  } catch {
    return [];
  }
}

import { spawn } from 'node:child_process';
import type { QueryTerms } from './corpus.js';
import { selfCommand, type BenchStore } from './target.js';

/** What `parley bench-seed` (the seeding process) is told on its stdin, as JSON. */
export interface SeedRequest {
  store: BenchStore;
  seed: number;
  history: number;
  /** The conversations made through the API, with their members' user ids. */
  conversations: Array<{ id: string; members: string[] }>;
  /** The newest message's time (epoch ms). */
  endAt: number;
  /** Progress lines on stderr. */
  progress: boolean;
}

/** What it prints on stdout, as JSON, once the history is committed. */
export interface SeedResult {
  written: number;
  /** Generating and writing, wall clock. */
  seconds: number;
  terms: QueryTerms;
}

/**
 * Seeds the search scenario's history (rule B3) in a process of its own (`parley bench-seed`,
 * which may open the store: the bench itself only talks to nodes over the API), and resolves
 * with what it wrote and the query terms it picked from the words it used.
 */
export async function seedInChild(request: SeedRequest): Promise<SeedResult> {
  const self = selfCommand();
  const child = spawn(self.command, [...self.args, 'bench-seed'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stdin.end(JSON.stringify(request));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`seeding the history failed (exit ${String(code)})`);
  return JSON.parse(out.trim().split('\n').pop() ?? '') as SeedResult;
}

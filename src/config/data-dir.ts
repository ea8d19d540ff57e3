import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './config.js';

/** Mode of a data directory the node creates (rule S12). */
const DIR_MODE = 0o700;

/** Plain words for the errno codes a data directory check meets. */
const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

function cause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return CAUSES[code] ?? (err instanceof Error ? err.message : String(err));
}

function fail(path: string, why: string): never {
  throw new ConfigError(
    `invalid configuration:\n  --data / PARLEY_DATA: cannot use ${path} as the data directory: ${why}`,
  );
}

/** The stat of `path`, or null when nothing is there. */
function statOrNull(path: string, shown: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return fail(shown, cause(err));
  }
}

/**
 * Makes sure the SQLite data directory exists (created 0700 if missing, rule S12) and that the
 * node can create files in it, at once, so a bad `--data` stops the node with a message naming
 * the path and the cause (rule O1) instead of failing later or hanging: Node's recursive
 * `mkdir` loops forever on some pseudo file systems (`/proc/nope`), so each missing directory
 * is made on its own here.
 */
export function prepareDataDir(dataDir: string): void {
  const target = resolve(dataDir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const found = statOrNull(at, at);
    if (found) {
      if (!found.isDirectory())
        fail(
          dataDir,
          at === target ? 'it is a file, not a directory' : `${at} is a file, not a directory`,
        );
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) fail(dataDir, 'no part of the path exists');
    at = parent;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: DIR_MODE });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrNull(dir, dir)?.isDirectory()) continue;
      // ENOENT with an existing parent: a file system that takes no new directories (/proc, /sys).
      const why =
        code === 'ENOENT'
          ? `${dirname(dir)} does not allow creating directories in it`
          : `cannot create ${dir}: ${cause(err)}`;
      fail(dataDir, why);
    }
  }
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
    // access() trusts the mode bits; a probe file also meets read-only mounts and full disks.
    const probe = join(target, `.parley-write-check-${process.pid}`);
    writeFileSync(probe, '', { mode: 0o600 });
    rmSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(
      dataDir,
      code === 'ENOENT'
        ? 'its file system does not allow creating files in it'
        : `cannot write in it: ${cause(err)}`,
    );
  }
}

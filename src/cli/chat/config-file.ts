import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the terminal client remembers between runs: never a password. */
export interface ClientConfig {
  server?: string;
  token?: string;
  username?: string;
}

/** `$PARLEY_CONFIG`, else `$XDG_CONFIG_HOME/parley/config.json`, else `~/.config/parley/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_CONFIG) return env.PARLEY_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'parley', 'config.json');
}

export function readClientConfig(path = configPath()): ClientConfig {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClientConfig;
  } catch {
    return {};
  }
}

/** Writes the config readable by the user only (0600), in a 0700 directory. */
export function writeClientConfig(config: ClientConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Forgets the session (`parley logout`). */
export function forgetSession(path = configPath()): void {
  const { server } = readClientConfig(path);
  if (server) writeClientConfig({ server }, path);
  else rmSync(path, { force: true });
}

/** The server URL: flag, then `$PARLEY_SERVER`, then the config file, then the local default. */
export function serverUrl(
  flag: string | undefined,
  config: ClientConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return (flag ?? env.PARLEY_SERVER ?? config.server ?? 'http://127.0.0.1:8080').replace(
    /\/+$/,
    '',
  );
}

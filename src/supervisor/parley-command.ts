import { fileURLToPath } from 'node:url';

/**
 * How to start this installation's `parley` CLI as a child process: the compiled bin, or the
 * TypeScript sources through tsx when this module itself runs from source (tests, `npm run dev`).
 */
export function parleyCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return {
      command: process.execPath,
      args: ['--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', import.meta.url))],
    };
  }
  return {
    command: process.execPath,
    args: [fileURLToPath(new URL('../../bin/parley.js', import.meta.url))],
  };
}

import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ClusterNode } from '../supervisor/chat-node.js';
import type { NodeWatch } from '../supervisor/node-watch.js';

/**
 * The commands `parley cluster up` reads on its standard input while the cluster runs (rule
 * K12): `restart N` (or `restart node-N`) starts a node that exited, `status` lists the nodes,
 * `help` the commands. Read when stdin is a terminal or a pipe; never from a file or /dev/null.
 */
export function consoleAvailable(): boolean {
  return process.stdin.isTTY === true || isPipe();
}

function isPipe(): boolean {
  try {
    const stat = fstatSync(0);
    // A shell pipe is a FIFO; a parent process's pipe (child_process) is a socket pair.
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

export const HELP =
  'commands: restart N (start node N again after it exited), status, help; Ctrl-C stops everything';

/** Reads commands from stdin until it ends; each answer goes to `out`. */
export function startConsole(
  nodes: readonly ClusterNode[],
  watch: NodeWatch,
  out: (line: string) => void,
): void {
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (raw) => {
    const [command, arg] = raw.trim().split(/\s+/);
    if (!command) return;
    if (command === 'help') return out(HELP);
    if (command === 'status') {
      for (const node of nodes) {
        const pid = node.process?.child.pid;
        out(`${node.id} ${node.url} ${node.process?.running ? `running (pid ${pid})` : 'stopped'}`);
      }
      return;
    }
    if (command === 'restart') {
      const node = nodes.find((n) => n.id === arg || n.id === `node-${arg}`);
      if (!node) return out(`no such node: ${arg ?? '(none)'}; nodes are 1-${nodes.length}`);
      out(`starting ${node.id}…`);
      watch.restartNow(node).then(out, (err: unknown) => {
        const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
        out(`${node.id} did not start: ${why}`);
      });
      return;
    }
    out(`unknown command: ${command}; ${HELP}`);
  });
  // A closed stdin (Ctrl-D, the writer gone) ends the commands, not the cluster.
  input.on('close', () => undefined);
}

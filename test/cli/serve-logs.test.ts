import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { requestLogLevel, SLOW_REQUEST_MS } from '../../src/gateway/http/app.js';
import { createLogger } from '../../src/log/logger.js';
import { Api } from '../helpers/api.js';
import { startTestNode } from '../helpers/node.js';
import { parleyArgs } from '../helpers/process.js';
import { NO_PTY } from './pty.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// eslint-disable-next-line no-control-regex -- colors are what this strips
const ANSI = /\x1b\[[0-9;]*m/g;
/** The readable form's start: `[HH:MM:ss.lll] LEVEL: `. */
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

/** Everything written to it, as text. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

function prettyLogger(level = 'info', color = false) {
  const sink = new Sink();
  const log = createLogger({ level, nodeId: 'n1', pretty: true, color, destination: sink });
  return { log, sink };
}

describe('the terminal log form (rule O2)', () => {
  it('[O2] one line per event: time, level, message, key=value fields; node and event left out', () => {
    const { log, sink } = prettyLogger();
    log.info(
      { event: 'node.started', url: 'http://127.0.0.1:8080', store: 'sqlite', n: 3, tags: ['a'] },
      'Parley node listening on http://127.0.0.1:8080',
    );
    log.warn({ event: 'x', note: 'two words', empty: '' }, 'careful');
    const lines = sink.lines();
    assert.equal(lines.length, 2, sink.text);
    assert.match(lines[0]!, PRETTY_LINE);
    assert.ok(
      lines[0]!.endsWith(
        'INFO: Parley node listening on http://127.0.0.1:8080 url=http://127.0.0.1:8080 store=sqlite n=3 tags=["a"]',
      ),
      lines[0],
    );
    assert.ok(lines[1]!.endsWith('WARN: careful note="two words" empty=""'), lines[1]);
    assert.doesNotMatch(sink.text, /node\.started|n1/);
  });

  it('[O2] a request reads "METHOD path status ms" with its other fields after it', () => {
    const { log, sink } = prettyLogger();
    log.info(
      {
        event: 'http',
        requestId: 'r1',
        ip: '127.0.0.1',
        method: 'POST',
        path: '/api/v1/auth/login',
        status: 401,
        ms: 4.2,
      },
      'request',
    );
    const [line, ...rest] = sink.lines();
    assert.deepEqual(rest, []);
    assert.ok(
      line!.endsWith('INFO: POST /api/v1/auth/login 401 4.2 ms requestId=r1 ip=127.0.0.1'),
      line,
    );
  });

  it('[O2][S4] errors: "Type: message" on the line, the stack only for error level; secrets redacted', () => {
    const { log, sink } = prettyLogger();
    log.warn({ event: 'w', err: new TypeError('soft') }, 'a warning');
    log.error({ event: 'e', err: new RangeError('hard'), password: 'hunter2' }, 'an error');
    const lines = sink.lines();
    assert.ok(lines[0]!.endsWith('WARN: a warning err="TypeError: soft"'), lines[0]);
    assert.ok(
      lines[1]!.endsWith('ERROR: an error err="RangeError: hard" password=[redacted]'),
      lines[1],
    );
    assert.ok(lines.length > 2, 'the stack follows the error line');
    for (const frame of lines.slice(2)) assert.match(frame, /^ {4}at /);
    assert.doesNotMatch(sink.text, /hunter2/);
  });

  it('[O2] colored, it is still one line per event', () => {
    const { log, sink } = prettyLogger('info', true);
    log.info({ event: 'x', a: 1 }, 'colored');
    const lines = sink.lines();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, ANSI);
    assert.match(lines[0]!.replace(ANSI, ''), /INFO: colored a=1$/);
  });

  it('[O2] JSON lines (no terminal) keep every field', () => {
    const sink = new Sink();
    const log = createLogger({ level: 'info', nodeId: 'n1', pretty: false, destination: sink });
    log.info({ event: 'http', method: 'GET', path: '/x', status: 200, ms: 1 }, 'request');
    const entry = JSON.parse(sink.lines()[0]!) as Record<string, unknown>;
    assert.deepEqual(
      { ...entry, time: 0, pid: 0, hostname: '' },
      {
        level: 30,
        time: 0,
        pid: 0,
        hostname: '',
        node: 'n1',
        event: 'http',
        method: 'GET',
        path: '/x',
        status: 200,
        ms: 1,
        msg: 'request',
      },
    );
  });
});

describe('request log levels (rule O2)', () => {
  it('[O2] debug for ordinary requests; info for notable client errors; warn for 5xx and slow ones', () => {
    const cases: Array<[string, string, number, number, string]> = [
      ['GET', '/healthz', 200, 1, 'debug'],
      ['GET', '/readyz', 200, 1, 'debug'],
      ['GET', '/api/v1/me', 401, 1, 'debug'], // every first page load
      ['GET', '/api/v1/files/x', 404, 1, 'debug'],
      ['POST', '/api/v1/conversations/x/messages', 400, 1, 'debug'],
      ['POST', '/api/v1/auth/login', 401, 1, 'info'], // a wrong password (fail2ban)
      ['DELETE', '/api/v1/me', 403, 1, 'info'],
      ['POST', '/api/v1/auth/login', 429, 1, 'info'],
      ['GET', '/api/v1/search', 429, 1, 'info'],
      ['POST', '/api/v1/auth/register', 413, 1, 'info'],
      ['GET', '/readyz', 503, 1, 'warn'],
      ['POST', '/api/v1/auth/login', 500, 1, 'warn'],
      ['GET', '/api/v1/conversations', 200, SLOW_REQUEST_MS, 'warn'],
      ['POST', '/api/v1/files', 201, SLOW_REQUEST_MS * 30, 'debug'], // a big upload is slow
    ];
    for (const [method, path, status, ms, level] of cases)
      assert.equal(
        requestLogLevel(method, path, status, ms),
        level,
        `${method} ${path} ${status} ${ms} ms`,
      );
  });

  it('[O2] a node at info logs a wrong password, not health checks or 401 reads; at debug all three', async () => {
    for (const level of ['info', 'debug']) {
      const { log, sink } = prettyLogger(level);
      const node = await startTestNode({ config: { logLevel: level }, overrides: { log } });
      try {
        const api = new Api(node.url);
        await api.request('GET', '/healthz');
        await api.request('GET', '/api/v1/me');
        await api.request('POST', '/api/v1/auth/login', {
          body: { username: 'nobody-here', password: 'wrong password' },
        });
      } finally {
        await node.dispose();
      }
      const lines = sink.lines().map((l) => l.replace(PRETTY_LINE, ''));
      assert.ok(lines.length > 0 && sink.lines().every((l) => PRETTY_LINE.test(l)), sink.text);
      const requests = lines.filter((l) =>
        / \/(healthz|api\/v1\/me|api\/v1\/auth\/login) \d{3} /.test(l),
      );
      const seen = requests.map((l) => l.split(' ').slice(0, 3).join(' '));
      assert.deepEqual(
        seen,
        level === 'info'
          ? ['POST /api/v1/auth/login 401']
          : ['GET /healthz 200', 'GET /api/v1/me 401', 'POST /api/v1/auth/login 401'],
        sink.text,
      );
    }
  });
});

describe('parley serve in a terminal', () => {
  let root = '';
  before(() => (root = mkdtempSync(join(tmpdir(), 'parley-operator-logs-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('[O2] prints one readable line per event, from start to stop', { skip: NO_PTY }, async () => {
    const command = [
      process.execPath,
      ...parleyArgs(['serve', '--port', '0', '--data', join(root, 'data'), '--node-id', 'tty']),
    ]
      .map((part) => `'${part}'`)
      .join(' ');
    const proc = spawn('script', ['-qfec', `exec ${command}`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, PARLEY_LOG_LEVEL: 'info', TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let raw = '';
    const exited = once(proc, 'exit');
    let wake = () => {};
    proc.stdout.on('data', (d: Buffer) => {
      raw += d.toString('utf8');
      wake();
    });
    /** Resolves with the first match of `pattern` in the output so far or to come. */
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(raw.replace(ANSI, ''));
          if (found) resolve(found);
        };
        wake = check;
        check();
        void exited.then(() => reject(new Error(`exited before /${pattern.source}/:\n${raw}`)));
      });
    try {
      const url = (await waitFor(/listening on (http:\/\/[^\s]+)/))[1]!;
      await fetch(`${url}/healthz`);
      await waitFor(/cluster-wide jobs/);
      // the node is the pty's foreground process: a Ctrl-C on the terminal reaches it
      proc.stdin.write('\x03');
      await exited;
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    const lines = raw
      .replace(ANSI, '')
      .replace(/\^C/g, '') // the terminal's echo of the Ctrl-C
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    assert.ok(lines.length >= 4, raw);
    for (const line of lines) assert.match(line, PRETTY_LINE);
    const text = lines.join('\n');
    assert.match(
      text,
      /INFO: Parley node listening on http:\S+ url=\S+ store=sqlite bus=memory version=/,
    );
    assert.match(text, /INFO: this node now runs the cluster-wide jobs/);
    assert.match(text, /INFO: received SIGINT signal=SIGINT/);
    assert.match(text, /INFO: stopped$/m);
    assert.doesNotMatch(text, /healthz/, 'health checks are debug');
  });
});

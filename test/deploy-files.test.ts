import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { parseConfig, rawConfigFrom } from '../src/config/config.js';
import { createLogger } from '../src/log/logger.js';
import { freePort } from '../src/supervisor/free-port.js';
import { startTestNode } from './helpers/node.js';

const DEPLOY = fileURLToPath(new URL('../docs/deploy/', import.meta.url));
const UNIT = join(DEPLOY, 'parley.service');
const SITE = join(DEPLOY, 'parley.nginx.conf');
const NGINX = ['/usr/sbin/nginx', 'nginx'].find((p) => spawnSync(p, ['-v']).status === 0);
const NO_SYSTEMD =
  spawnSync('systemd-analyze', ['--version']).status === 0 ? false : 'systemd-analyze missing';
const NO_NGINX = NGINX ? false : 'nginx missing (Debian package nginx)';
const NO_OPENSSL =
  spawnSync('openssl', ['version']).status === 0 ? false : 'openssl missing (a test certificate)';

/** `KEY=value` settings of the unit's [Service] section, in order (repeated keys kept). */
function unitSettings(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('[') && l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

/** The PARLEY_* variables the unit's Environment= lines set. */
function unitEnvironment(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of unitSettings(text))
    if (key === 'Environment') env[value.split('=')[0]!] = value.slice(value.indexOf('=') + 1);
  return env;
}

function verifyUnit(path: string): { code: number | null; stderr: string } {
  const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr };
}

describe('deployment files (docs/deploy)', () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'parley-operator-deploy-'));
    chmodSync(tmp, 0o755); // nginx's workers (nobody when run as root) read the certificate
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    '[O1] the systemd unit passes systemd-analyze verify; a broken copy does not',
    { skip: NO_SYSTEMD },
    () => {
      const ok = verifyUnit(UNIT);
      assert.equal(ok.code, 0, ok.stderr);
      assert.doesNotMatch(ok.stderr, /parley\.service/, 'no warnings about the unit');
      const broken = join(tmp, 'broken.service');
      writeFileSync(
        broken,
        readFileSync(UNIT, 'utf8').replace(
          'ProtectSystem=strict',
          'ProtectSystem=sideways\nProtectSytem=yes',
        ),
      );
      const bad = verifyUnit(broken);
      assert.match(bad.stderr, /sideways/);
      assert.match(bad.stderr, /ProtectSytem/);
    },
  );

  it('[O1][S12] the unit is hardened, its data directory is its state directory, its settings parse', () => {
    const text = readFileSync(UNIT, 'utf8');
    const settings = new Map(unitSettings(text));
    const expected: Array<[string, string]> = [
      ['DynamicUser', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['RestrictNamespaces', 'yes'],
      ['SystemCallFilter', '@system-service'],
      ['StateDirectory', 'parley'],
      ['StateDirectoryMode', '0700'],
      ['RestartPreventExitStatus', '2'], // a configuration error does not restart in a loop
    ];
    for (const [key, value] of expected) assert.equal(settings.get(key), value, key);
    assert.equal(settings.get('MemoryDenyWriteExecute'), undefined, "V8's JIT needs it off");
    const env = unitEnvironment(text);
    assert.equal(env.PARLEY_DATA, `/var/lib/${settings.get('StateDirectory')}`);
    const config = parseConfig(rawConfigFrom({}, env));
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.trustProxy, ['127.0.0.1', '::1']);
  });

  it("[S9][F1] the nginx site proxies to the unit's port, with its upload limit", () => {
    const site = readFileSync(SITE, 'utf8');
    const env = unitEnvironment(readFileSync(UNIT, 'utf8'));
    assert.match(site, new RegExp(`server 127\\.0\\.0\\.1:${env.PARLEY_PORT};`));
    assert.match(site, new RegExp(`client_max_body_size ${env.PARLEY_MAX_UPLOAD_MB}m;`));
    assert.match(site, /location = \/api\/v1\/ws \{[^}]*proxy_set_header Upgrade \$http_upgrade;/);
  });

  describe('nginx', { skip: NO_NGINX || NO_OPENSSL }, () => {
    let cert = '';
    let key = '';
    before(() => {
      cert = join(tmp, 'cert.pem');
      key = join(tmp, 'key.pem');
      const made = spawnSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
          ...['-subj', '/CN=chat.example.org', '-addext', 'subjectAltName=DNS:chat.example.org'],
          ...['-keyout', key, '-out', cert],
        ],
        { encoding: 'utf8' },
      );
      assert.equal(made.status, 0, made.stderr);
      chmodSync(key, 0o644);
    });

    /** The site with this test's certificate (and ports), inside a minimal nginx.conf. */
    function nginxConf(
      name: string,
      ports?: { http: number; https: number; node: number },
    ): string {
      let site = readFileSync(SITE, 'utf8')
        .replace('/etc/letsencrypt/live/chat.example.org/fullchain.pem', cert)
        .replace('/etc/letsencrypt/live/chat.example.org/privkey.pem', key);
      if (ports)
        site = site
          .replace(/^\s*listen \[::\].*$/gm, '') // the test binds loopback IPv4 only
          .replace('listen 80;', `listen 127.0.0.1:${ports.http};`)
          .replace('listen 443 ssl;', `listen 127.0.0.1:${ports.https} ssl;`)
          .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${ports.node};`);
      const dir = join(tmp, name);
      spawnSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'site.conf'), site);
      const conf = join(dir, 'nginx.conf');
      writeFileSync(
        conf,
        [
          `pid ${dir}/nginx.pid;`,
          `error_log ${dir}/error.log;`,
          'worker_processes 1;',
          'events { worker_connections 64; }',
          'http {',
          '  access_log off;',
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
            (kind) => `  ${kind}_temp_path ${dir}/${kind};`,
          ),
          `  include ${dir}/site.conf;`,
          '}',
        ].join('\n'),
      );
      return conf;
    }

    function nginxTest(conf: string) {
      return spawnSync(NGINX!, ['-t', '-p', `${tmp}/`, '-e', `${tmp}/error.log`, '-c', conf], {
        encoding: 'utf8',
      });
    }

    it('[S10] nginx -t accepts the site, TLS lines included; a broken copy fails', () => {
      const result = nginxTest(nginxConf('check'));
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /test is successful/);
      const conf = nginxConf('broken');
      const site = join(tmp, 'broken', 'site.conf');
      writeFileSync(
        site,
        readFileSync(site, 'utf8').replace('client_max_body_size 25m;', 'client_max_body_size;'),
      );
      const broken = nginxTest(conf);
      assert.notEqual(broken.status, 0);
      assert.match(broken.stderr, /client_max_body_size/);
    });

    it('[S9][S10][W1] in front of a node: TLS, the client address, https and the WebSocket upgrade', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n'))
            if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      const env = unitEnvironment(readFileSync(UNIT, 'utf8'));
      const node = await startTestNode({
        config: { trustProxy: env.PARLEY_TRUST_PROXY, maxUploadMb: env.PARLEY_MAX_UPLOAD_MB },
        overrides: {
          log: createLogger({ level: 'info', nodeId: 'proxied', pretty: false, destination: sink }),
        },
      });
      const ports = { http: await freePort(), https: await freePort(), node: node.port };
      const conf = nginxConf('live', ports);
      let nginx: ChildProcess | null = null;
      try {
        nginx = spawn(
          NGINX!,
          ['-p', `${tmp}/`, '-e', `${tmp}/live/error.log`, '-c', conf, '-g', 'daemon off;'],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        const died = once(nginx, 'exit').then(() => {
          throw new Error(`nginx exited: ${readFileSync(join(tmp, 'live', 'error.log'), 'utf8')}`);
        });
        died.catch(() => undefined); // it also exits at the end, when stopped
        const tls = { ca: readFileSync(cert), servername: 'chat.example.org' };
        const get = (
          path: string,
          method = 'GET',
          body?: string,
          headers: Record<string, string> = {},
        ) =>
          new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
            (resolve, reject) => {
              const req = request(
                {
                  ...tls,
                  host: '127.0.0.1',
                  port: ports.https,
                  path,
                  method,
                  headers: { host: 'chat.example.org', ...headers },
                },
                (res) => {
                  let text = '';
                  res.on('data', (d: Buffer) => (text += d.toString()));
                  res.on('end', () =>
                    resolve({ status: res.statusCode!, headers: res.headers, body: text }),
                  );
                },
              );
              req.on('error', reject);
              req.end(body);
            },
          );
        // nginx is up once it answers; until then each attempt is refused at once
        for (;;) {
          const answer = await Promise.race([get('/healthz').catch(() => null), died]);
          if (answer) {
            assert.equal(answer.status, 200, answer.body);
            // X-Forwarded-Proto https believed (S9, S10): the node sends HSTS
            assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000');
            break;
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        const login = await get(
          '/api/v1/auth/login',
          'POST',
          JSON.stringify({ username: 'nobody-here', password: 'wrong password' }),
          { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        );
        assert.equal(login.status, 401, login.body);
        const failed = lines.find((l) => l.event === 'login.failed');
        assert.equal(failed?.ip, '203.0.113.9', 'the client address forwarded through nginx');
        const logged = lines.find((l) => l.event === 'http' && l.path === '/api/v1/auth/login');
        assert.equal(logged?.requestId, login.headers['x-request-id'], "nginx's request id");
        // plain http is sent to https
        const redirect = await fetch(`http://127.0.0.1:${ports.http}/x`, { redirect: 'manual' });
        assert.equal(redirect.status, 301);
        assert.equal(redirect.headers.get('location'), 'https://127.0.0.1/x');
        // the WebSocket upgrade goes through
        const ws = new WebSocket(`wss://127.0.0.1:${ports.https}/api/v1/ws`, {
          ...tls,
          headers: { host: 'chat.example.org' },
        });
        const [response] = (await once(ws, 'upgrade')) as [{ statusCode: number }];
        assert.equal(response.statusCode, 101);
        ws.terminate();
      } finally {
        if (nginx && nginx.exitCode === null) {
          const gone = once(nginx, 'exit');
          nginx.kill('SIGTERM');
          await gone;
        }
        await node.dispose();
      }
    });
  });
});

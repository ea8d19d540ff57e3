import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import {
  CONFIG_OPTIONS,
  ConfigError,
  parseConfig,
  rawConfigFrom,
  type ConfigKey,
} from '../src/config/config.js';
import { DEFAULT_LIMITS } from '../src/domain/limits.js';

/** Asserts that `raw` is rejected with a ConfigError naming the option's flag and env var. */
function rejects(raw: Parameters<typeof parseConfig>[0], key: ConfigKey): ConfigError {
  let caught: unknown;
  try {
    parseConfig(raw);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `${JSON.stringify(raw)} is rejected`);
  const flag = CONFIG_OPTIONS[key].flag.split(' ')[0]!;
  assert.ok(caught.message.includes(flag), `${caught.message} names ${flag}`);
  assert.ok(
    caught.message.includes(CONFIG_OPTIONS[key].env),
    `${caught.message} names ${CONFIG_OPTIONS[key].env}`,
  );
  return caught;
}

describe('configuration', () => {
  it('[O1] defaults: 127.0.0.1:8080, ./data, info logs, the documented limits', () => {
    const config = parseConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.nodeId, `${hostname()}-8080`);
    assert.deepEqual(config.allowedOrigins, []);
    assert.deepEqual(config.limits, DEFAULT_LIMITS);
    assert.equal(config.heapGrowthPercent, 20);
    assert.deepEqual(config.trustProxy, [], '[S9] no proxy is trusted by default');
    assert.equal(config.headerTimeoutMs, 10_000, '[S11] 10 s for the headers');
  });

  it('[O1][S1][S3][S7][A2] the default limits are the ones SPEC.md states', () => {
    assert.deepEqual(DEFAULT_LIMITS, {
      maxBodyBytes: 65_536,
      maxMessageChars: 4000,
      maxGroupMembers: 1000,
      maxGroupNameChars: 100,
      loginPerMinute: 10,
      registerPerHour: 20,
      sendsPerSecond: 20,
      connectionsPerMinute: 60,
      passwordFailuresPerAccount: 10,
      passwordFailuresPerIp: 30,
      maxQueuedHashes: 16,
      sessionDays: 30,
      maxUploadBytes: 25 * 1024 * 1024,
      uploadQuotaBytes: 1024 * 1024 * 1024,
    });
  });

  it('[F1][F8] upload limits come in MiB from flags or the environment, bounded', () => {
    const config = parseConfig(
      rawConfigFrom(
        { maxUploadMb: '5' },
        { PARLEY_UPLOAD_QUOTA_MB: '20', PARLEY_RATE_UPLOADS: '3' },
      ),
    );
    assert.equal(config.limits.maxUploadBytes, 5 * 1024 * 1024);
    assert.equal(config.limits.uploadQuotaBytes, 20 * 1024 * 1024);
    assert.equal(config.uploadsPerMinute, 3);
    const defaults = parseConfig({});
    assert.equal(defaults.limits.maxUploadBytes, 25 * 1024 * 1024);
    assert.equal(defaults.uploadsPerMinute, 30);
    assert.throws(() => parseConfig({ maxUploadMb: '2048' }), /--max-upload-mb/);
    assert.throws(() => parseConfig({ uploadQuotaMb: '0' }), /--upload-quota-mb/);
  });

  it('[O1] environment variables fill what flags leave out; flags win over the environment', () => {
    const env = {
      PARLEY_HOST: '0.0.0.0',
      PARLEY_PORT: '9000',
      PARLEY_DATA: '/var/lib/parley',
      PARLEY_LOG_LEVEL: 'debug',
      PARLEY_NODE_ID: 'env-node',
      PARLEY_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443/',
      PARLEY_MAX_BODY_BYTES: '1024',
      PARLEY_MAX_MESSAGE_CHARS: '500',
      PARLEY_MAX_GROUP_MEMBERS: '50',
      PARLEY_RATE_LOGIN: '5',
      PARLEY_RATE_REGISTER: '6',
      PARLEY_RATE_SENDS: '7',
      PARLEY_RATE_CONNECTIONS: '8',
      PARLEY_HEAP_GROWTH: '0',
      PARLEY_RATE_PASSWORD_ACCOUNT: '3',
      PARLEY_RATE_PASSWORD_IP: '4',
      PARLEY_HASH_QUEUE: '0',
      PARLEY_TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1',
      PARLEY_HEADER_TIMEOUT: '2500',
      UNRELATED: 'ignored',
    };
    const fromEnv = parseConfig(rawConfigFrom({}, env));
    assert.equal(fromEnv.host, '0.0.0.0');
    assert.equal(fromEnv.port, 9000);
    assert.equal(fromEnv.dataDir, '/var/lib/parley');
    assert.equal(fromEnv.logLevel, 'debug');
    assert.equal(fromEnv.nodeId, 'env-node');
    assert.equal(fromEnv.heapGrowthPercent, 0, '0 leaves V8 its own heuristic');
    assert.deepEqual(fromEnv.allowedOrigins, ['https://a.example', 'https://b.example:8443']);
    assert.deepEqual(fromEnv.trustProxy, ['10.0.0.1', '10.1.0.0/16', '::1']);
    assert.equal(fromEnv.headerTimeoutMs, 2500);
    assert.deepEqual(fromEnv.limits, {
      ...DEFAULT_LIMITS,
      maxBodyBytes: 1024,
      maxMessageChars: 500,
      maxGroupMembers: 50,
      loginPerMinute: 5,
      registerPerHour: 6,
      sendsPerSecond: 7,
      connectionsPerMinute: 8,
      passwordFailuresPerAccount: 3,
      passwordFailuresPerIp: 4,
      maxQueuedHashes: 0,
    });

    const mixed = parseConfig(rawConfigFrom({ port: '7000', host: '::1', logLevel: 'warn' }, env));
    assert.equal(mixed.port, 7000);
    assert.equal(mixed.host, '::1');
    assert.equal(mixed.logLevel, 'warn');
    assert.equal(mixed.dataDir, '/var/lib/parley', 'unset flags fall back to the environment');
    assert.equal(mixed.nodeId, 'env-node');
  });

  it('[O1] empty values count as unset; rawConfigFrom keeps only known keys', () => {
    const raw = rawConfigFrom({ port: '' }, { PARLEY_PORT: '', PARLEY_HOST: '' });
    assert.deepEqual(raw, {});
    assert.equal(parseConfig(raw).port, 8080);
    assert.deepEqual(rawConfigFrom({ port: undefined }, { PARLEY_PORT: '1234' }), { port: '1234' });
    assert.deepEqual(Object.keys(rawConfigFrom({}, { PARLEY_NOPE: 'x', HOME: '/root' })), []);
  });

  it('[O1] numbers are accepted as strings or numbers; port 0 picks a free port', () => {
    assert.equal(parseConfig({ port: 0 }).port, 0);
    assert.equal(parseConfig({ port: '65535' }).port, 65535);
    assert.equal(parseConfig({ maxGroupMembers: 2 }).limits.maxGroupMembers, 2);
    assert.equal(parseConfig({ port: 1234 }).nodeId, `${hostname()}-1234`);
  });

  it('[O1][S7][S9][S11] invalid values throw a ConfigError naming the flag and the environment variable', () => {
    rejects({ port: 'abc' }, 'port');
    rejects({ port: '70000' }, 'port');
    rejects({ port: '-1' }, 'port');
    rejects({ port: '80.5' }, 'port');
    rejects({ logLevel: 'loud' }, 'logLevel');
    rejects({ nodeId: 'has spaces' }, 'nodeId');
    rejects({ nodeId: 'x'.repeat(65) }, 'nodeId');
    rejects({ allowedOrigins: 'not a url' }, 'allowedOrigins');
    rejects({ maxBodyBytes: '0' }, 'maxBodyBytes');
    rejects({ maxBodyBytes: String(17 * 1024 * 1024) }, 'maxBodyBytes');
    rejects({ maxMessageChars: 'many' }, 'maxMessageChars');
    rejects({ maxGroupMembers: '1' }, 'maxGroupMembers');
    rejects({ loginPerMinute: '-3' }, 'loginPerMinute');
    rejects({ registerPerHour: '1.5' }, 'registerPerHour');
    rejects({ sendsPerSecond: '0' }, 'sendsPerSecond');
    rejects({ connectionsPerMinute: 'x' }, 'connectionsPerMinute');
    rejects({ heapGrowthPercent: '-1' }, 'heapGrowthPercent');
    rejects({ heapGrowthPercent: '1001' }, 'heapGrowthPercent');
    rejects({ heapGrowthPercent: '12.5' }, 'heapGrowthPercent');
    rejects({ passwordFailuresPerAccount: '0' }, 'passwordFailuresPerAccount');
    rejects({ passwordFailuresPerIp: 'many' }, 'passwordFailuresPerIp');
    rejects({ maxQueuedHashes: '-1' }, 'maxQueuedHashes');
    for (const bad of ['proxy.example', '10.0.0.1/33', '10.0.0.0/8/1', '::1/129', '10.0.0.1,nope'])
      rejects({ trustProxy: bad }, 'trustProxy');
    rejects({ headerTimeoutMs: '0' }, 'headerTimeoutMs');
    rejects({ headerTimeoutMs: '50' }, 'headerTimeoutMs');
    rejects({ headerTimeoutMs: '1e9' }, 'headerTimeoutMs');
  });

  it('[O1] every bad option is named at once', () => {
    const err = rejects({ port: 'abc', logLevel: 'loud', sendsPerSecond: '0' }, 'port');
    assert.ok(err.message.includes('--log-level / PARLEY_LOG_LEVEL'), err.message);
    assert.ok(err.message.includes('--rate-sends / PARLEY_RATE_SENDS'), err.message);
    assert.equal(err.name, 'ConfigError');
  });

  it('[O1] every option has a flag and a PARLEY_ environment variable', () => {
    for (const [key, option] of Object.entries(CONFIG_OPTIONS)) {
      assert.match(option.flag, /^--[a-z-]+ <[a-z]+>$/, key);
      assert.match(option.env, /^PARLEY_[A-Z_]+$/, key);
      assert.ok(option.help.length > 0, key);
    }
    const envs = Object.values(CONFIG_OPTIONS).map((o) => o.env);
    assert.equal(new Set(envs).size, envs.length);
  });
});

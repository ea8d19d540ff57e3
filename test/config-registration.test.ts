import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_OPTIONS, ConfigError, parseConfig, type ConfigKey } from '../src/config/config.js';

/** Asserts that `raw` is rejected with a ConfigError naming the option's flag and env var. */
function rejects(raw: Parameters<typeof parseConfig>[0], key: ConfigKey): void {
  assert.throws(
    () => parseConfig(raw),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes(CONFIG_OPTIONS[key].flag.split(' ')[0]!) &&
      err.message.includes(CONFIG_OPTIONS[key].env),
    JSON.stringify(raw),
  );
}

describe('configuration: registration, mail and links', () => {
  it('[RG2] [RG9] defaults: the runtime registration mode, no mail, links from the request', () => {
    const config = parseConfig({});
    assert.equal(config.registration, null);
    assert.equal(config.mail, null);
    assert.equal(config.publicUrl, null);
  });

  it('[RG2] --registration takes open, invite or closed', () => {
    for (const mode of ['open', 'invite', 'closed'] as const)
      assert.equal(parseConfig({ registration: mode }).registration, mode);
    for (const bad of ['Open', 'invites', 'none']) rejects({ registration: bad }, 'registration');
  });

  it('[RG9] --smtp-url needs --public-url; --mail-from defaults to parley@ its host', () => {
    rejects({ smtpUrl: 'smtp://mail.example.org:587' }, 'smtpUrl');
    const config = parseConfig({
      smtpUrl: 'smtps://u%40x:p@mail.example.org:465',
      publicUrl: 'https://chat.example.org/',
    });
    assert.equal(config.publicUrl, 'https://chat.example.org');
    assert.deepEqual(config.mail, {
      smtpUrl: 'smtps://u%40x:p@mail.example.org:465',
      from: 'parley@chat.example.org',
    });
    const from = parseConfig({
      smtpUrl: 'smtp://mail.example.org',
      publicUrl: 'https://chat.example.org',
      mailFrom: 'Parley <noreply@example.org>',
    });
    assert.equal(from.mail?.from, 'Parley <noreply@example.org>');
  });

  it('[RG9] bad SMTP URLs, From addresses and public URLs are refused', () => {
    for (const bad of [
      'http://mail.example.org',
      'mail.example.org:25',
      'smtp://',
      'smtp://h/path',
    ])
      rejects({ smtpUrl: bad, publicUrl: 'https://chat.example.org' }, 'smtpUrl');
    for (const bad of ['nobody', 'a@b\r\nBcc: x@y', 'two@@example.org'])
      rejects({ mailFrom: bad }, 'mailFrom');
    for (const bad of ['chat.example.org', 'ftp://chat.example.org', 'javascript:alert(1)'])
      rejects({ publicUrl: bad }, 'publicUrl');
  });
});

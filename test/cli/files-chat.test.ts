import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { singleNodeModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { runCli } from '../helpers/process.js';
import { NO_PTY, PtyChat } from './pty.js';

const MiB = 1024 * 1024;

for (const mode of singleNodeModes()) {
  describe(`terminal client: files, search, mute, do-not-disturb and the bell (${mode})`, () => {
    const world = useDeploymentWithUsers(mode, ['ann', 'bob'], { config: { maxUploadMb: 1 } });
    const dir = mkdtempSync(join(tmpdir(), 'parley-files-chat-'));
    const chats: Array<ChatProcess | PtyChat> = [];
    const group = uniqueName('ops');
    let groupId = '';

    const configOf = (user: TestUser): string => {
      const path = join(dir, `${user.username}.json`);
      const server = world().deployment.urlOf(user);
      writeFileSync(path, JSON.stringify({ server, token: user.token, username: user.username }), {
        mode: 0o600,
      });
      return path;
    };
    const cli = (user: TestUser, args: string[]) =>
      runCli(args, { env: { PARLEY_CONFIG: configOf(user) } });
    const write = (name: string, bytes: Uint8Array | string) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const download = async (user: TestUser, id: string) => {
      const res = await fetch(`${world().deployment.urlOf(user)}/api/v1/files/${id}`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    };

    after(async () => {
      for (const c of chats) await c.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('[F1][F3][Q2][CLI2][CLI5] one-shot: send --file (repeatable, text optional) stores the bytes; search prints and pages; bad input exits 2, refusals 1', async () => {
      const { api, users } = world();
      const { ann, bob } = users;
      groupId = await api.group(ann, group, [bob.username]); // seq 1
      const binary = randomBytes(200 * 1024);
      const a = write('a.bin', binary);
      const b = write('b c.txt', 'plain words\n');
      const sent = await cli(ann, [
        'send',
        '--group',
        group,
        '--file',
        a,
        '--file',
        b,
        'here',
        'you',
        'go',
      ]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout.trim(), `sent #2 to #${group} with a.bin (200 KB), b c.txt (12 B)`);
      const only = await cli(bob, ['send', '--group', group, '--file', a, '--json']);
      assert.equal(only.code, 0, only.stderr);
      const message = JSON.parse(only.stdout);
      assert.equal(message.body, '');
      assert.deepEqual(
        message.attachments.map((f: { name: string; size: number }) => [f.name, f.size]),
        [['a.bin', binary.length]],
      );
      // Downloaded by the other member: the same bytes.
      assert.ok((await download(ann, message.attachments[0].id)).equals(binary));
      const history = await api.history(bob, groupId, '?limit=10');
      const two = history.body.messages.find((m: { seq: number }) => m.seq === 2);
      assert.equal(two.body, 'here you go');
      assert.ok((await download(bob, two.attachments[0].id)).equals(binary));
      assert.equal((await download(bob, two.attachments[1].id)).toString(), 'plain words\n');

      const shown = await cli(bob, ['history', '--group', group]);
      assert.match(
        shown.stdout,
        /#2 \S+: here you go\n {4}📎 a\.bin \(200 KB, application\/octet-stream\) http:\/\/\S+\/api\/v1\/files\/\S+\n {4}📎 b c\.txt \(12 B, text\/plain; charset=utf-8\) http/,
      );

      for (const text of ['deploying build one', 'deploying build two', 'deploy done'])
        assert.equal((await api.send(bob, groupId, text)).status, 201); // seqs 4-6
      const found = await cli(ann, [
        'search',
        'deploy',
        '--conversation',
        `#${group}`,
        '--from',
        bob.username,
      ]);
      assert.equal(found.code, 0, found.stderr);
      const lines = found.stdout.trim().split('\n');
      assert.equal(lines.length, 3, found.stdout);
      assert.match(
        lines[0]!,
        new RegExp(
          `^#${group} \\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\] #6 ${bob.username}: deploy done$`,
        ),
      );
      const paged = await cli(ann, ['search', 'deploying', '--limit', '1']);
      assert.equal(paged.code, 0, paged.stderr);
      const cursor = /… more: --cursor (\S+)$/m.exec(paged.stdout)?.[1];
      assert.ok(cursor, paged.stdout);
      assert.match(paged.stdout, /#5 \S+: deploying build two/);
      const next = await cli(ann, [
        'search',
        'deploying',
        '--limit',
        '1',
        '--cursor',
        cursor,
        '--json',
      ]);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(
        JSON.parse(next.stdout).results.map((r: { message: { seq: number } }) => r.message.seq),
        [4],
      );
      const nothing = await cli(ann, ['search', 'zebra']);
      assert.equal(nothing.stdout.trim(), 'no messages match');

      const big = write('big.bin', randomBytes(MiB + 1));
      const eleven = Array.from({ length: 11 }, () => ['--file', a]).flat();
      const usage = await Promise.all([
        cli(ann, ['send', '--group', group]),
        cli(ann, ['send', '--group', group, '--file', join(dir, 'missing.bin')]),
        cli(ann, ['send', '--group', group, ...eleven]),
        cli(ann, ['search', 'deploy', '--order', 'oldest']),
        cli(ann, ['search', 'deploy', '--limit', '51']),
      ]);
      for (const result of usage) assert.equal(result.code, 2, result.stderr);
      assert.match(usage[0].stderr, /say what to send: TEXT, or --file PATH/);
      assert.match(usage[1].stderr, /cannot read \S+missing\.bin: no such file/);
      assert.match(usage[2].stderr, /at most 10 files per message, not 11/);
      assert.match(usage[3].stderr, /--order must be newest or relevance/);
      assert.match(usage[4].stderr, /--limit must be a whole number from 1 to 50/);
      const refused = await Promise.all([
        cli(ann, ['send', '--group', group, '--file', big, 'too big']),
        cli(ann, ['search', '!!!']),
        cli(ann, ['search', 'deploy', '--conversation', '#nowhere']),
      ]);
      for (const result of refused) assert.equal(result.code, 1, result.stderr);
      assert.match(
        refused[0].stderr,
        /big\.bin is 1048577 bytes: files may be at most 1048576 bytes \(payload_too_large\)/,
      );
      assert.match(refused[1].stderr, /\(invalid_request\)/);
      assert.match(refused[2].stderr, /you are in no conversation "#nowhere"/);
      const after = await api.history(ann, groupId, '?limit=20');
      assert.equal(after.body.messages.at(-1).seq, 6, 'nothing refused was sent');
    });

    it('[F3][Q3][N3][N4][CLI4] piped: /upload sends a file with text, /search lists and pages, /mute and /dnd say what they did', async () => {
      const { api, users } = world();
      const { ann, bob } = users;
      const dm = await api.dm(bob, ann.username);
      for (let i = 1; i <= 11; i++)
        assert.equal((await api.send(bob, dm, `page filler ${i}`)).status, 201);
      const term = new ChatProcess(['chat'], { PARLEY_CONFIG: configOf(ann) });
      chats.push(term);
      await term.waitFor(/\[online\]/);
      term.type(`/upload ${join(dir, 'b c.txt')} no conversation yet`);
      await term.waitFor(/error: open a conversation first/);
      term.type(`/open #${group}`);
      await term.waitFor(/#6 \S+: deploy done$/);
      term.type(`/upload "${join(dir, 'b c.txt')}" the notes`);
      await term.waitFor(/^📎 uploaded b c\.txt \(12 B, text\/plain; charset=utf-8\)$/);
      await term.waitFor(new RegExp(`#7 ${ann.username}: the notes$`));
      await term.waitFor(
        /^ {4}📎 b c\.txt \(12 B, text\/plain; charset=utf-8\) http:\/\/\S+\/api\/v1\/files\/\S+$/,
      );
      term.type(`/upload ${join(dir, 'big.bin')}`);
      await term.waitFor(
        /error: big\.bin is 1048577 bytes: files may be at most 1048576 bytes \(payload_too_large\)/,
      );

      term.type('/search deploy in:here');
      await term.waitFor(/— messages matching "deploy", newest first —/);
      await term.waitFor(new RegExp(`^#${group} \\[[-\\d: ]+\\] #6 \\S+: deploy done$`));
      await term.waitFor(/#4 \S+: deploying build one$/);
      await term.waitFor(/— end of results —/);
      term.type('/search');
      await term.waitFor(/error: usage: \/search TERMS/);
      term.type('/search filler from:' + bob.username);
      await term.waitFor(/— messages matching "filler", newest first —/);
      await term.waitFor(new RegExp(`^@${bob.username} \\[[-\\d: ]+\\] #11 \\S+: page filler 11$`));
      await term.waitFor(/#2 \S+: page filler 2$/);
      await term.waitFor(/^ {2}… more: \/search$/);
      term.type('/search');
      await term.waitFor(/— more results —/);
      await term.waitFor(/#1 \S+: page filler 1$/);
      await term.waitFor(/— end of results —/);
      term.type('/search nothingmatches');
      await term.waitFor(/No messages match "nothingmatches"\./);

      term.type('/mute');
      await term.waitFor(new RegExp(`🔕 #${group} muted`));
      term.type('/conversations');
      await term.waitFor(new RegExp(`#${group} \\(.*muted\\)`));
      term.type('/unmute');
      await term.waitFor(new RegExp(`🔔 #${group} unmuted`));
      term.type('/dnd 2h');
      await term.waitFor(/🔕 Do not disturb until \d\d:\d\d|🔕 Do not disturb until \d{4}-/);
      term.type('/dnd');
      await term.waitFor(/🔕 Do not disturb until/);
      term.type('/dnd later');
      await term.waitFor(/error: usage: \/dnd 1h/);
      term.type('/dnd off');
      await term.waitFor(/🔔 Do not disturb is off/);
      term.type('/help');
      await term.waitFor(/\/upload PATH \[TEXT\]/);
      await term.waitFor(/\/search TERMS/);
      await term.waitFor(/\/dnd \[1h\|30m\|18:00\|off\]/);
      term.type('/quit');
      assert.equal(await term.exited, 0);
      const shown = term.lines.join('\n');
      assert.ok(!shown.includes('\x1b') && !shown.includes('\x07'), 'plain text on a pipe');
    });

    it(
      '[F3][Q3][N2][N3][N4][CLI4] on a terminal: /upload shows progress, /search highlights, a mention rings the bell, muted or during DND it does not',
      { skip: NO_PTY },
      async () => {
        const { api, users } = world();
        const { ann, bob } = users;
        const dm = await api.dm(bob, ann.username);
        const term = new PtyChat(['chat'], { PARLEY_CONFIG: configOf(ann) });
        chats.push(term);
        await term.waitFor(/\[online\]\n\(no conversation\) > /);
        term.type(`/open #${group}`);
        await term.waitFor(/#7 \S+: the notes/);

        term.keys(`/upl\t`);
        await term.waitFor(/\/upload $/);
        term.type(`${join(dir, 'a.bin')} binary`);
        await term.waitFor(/uploading… 100% \(200 KB of 200 KB\)/);
        await term.waitFor(/📎 uploaded a\.bin/);
        await term.waitFor(new RegExp(`#8 ${ann.username}: binary`));

        let before = term.raw.length;
        term.type('/search deploying');
        await term.waitFor(/#4 \S+: deploying build one/);
        assert.ok(
          term.raw.slice(before).includes('\x1b[1m\x1b[7mdeploying\x1b[0m'),
          'the matched word is bold and inverse',
        );

        const ringsFor = async (send: () => Promise<unknown>, shown: RegExp) => {
          const from = term.raw.length;
          await send();
          await term.waitFor(shown);
          return term.raw.slice(from).includes('\x07');
        };
        assert.equal(
          await ringsFor(() => api.send(bob, groupId, `hey @${ann.username}`), /hey @\S+ *$/m),
          true,
          'a mention rings',
        );
        assert.equal(
          await ringsFor(() => api.send(bob, groupId, 'no mention here'), /no mention here/),
          false,
          'a plain group message does not',
        );
        term.type('/mute');
        await term.waitFor(/🔕 #\S+ muted/);
        assert.equal(
          await ringsFor(() => api.send(bob, groupId, `muted @${ann.username}`), /muted @\S+ *$/m),
          false,
          'a muted conversation does not ring, even for a mention',
        );
        assert.equal(
          await ringsFor(() => api.send(bob, dm, 'a direct word'), /a direct word/),
          true,
          'a DM rings',
        );
        term.type('/dnd 1h');
        await term.waitFor(/🔕 Do not disturb until/);
        assert.equal(
          await ringsFor(() => api.send(bob, dm, 'during dnd'), /during dnd/),
          false,
          'nothing rings during do-not-disturb',
        );
        term.type('/dnd off');
        await term.waitFor(/🔔 Do not disturb is off/);
        assert.equal(await ringsFor(() => api.send(bob, dm, 'after dnd'), /after dnd/), true);
        before = term.raw.length;
        term.type('/unmute');
        await term.waitFor(/🔔 #\S+ unmuted/);
        term.type('/quit');
        assert.equal(await term.exited, 0);
      },
    );
  });
}

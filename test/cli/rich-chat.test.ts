import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uniqueName, type TestUser } from '../helpers/api.js';
import { ChatProcess } from '../helpers/cli.js';
import { testModes, useDeploymentWithUsers } from '../helpers/deployment.js';
import { runCli } from '../helpers/process.js';
import { NO_PTY, PtyChat } from './pty.js';

for (const mode of testModes()) {
  describe(`terminal client: replies, reactions, mentions and system lines (${mode})`, () => {
    const world = useDeploymentWithUsers(mode, ['ann', 'bob', 'cat']);
    const dir = mkdtempSync(join(tmpdir(), 'parley-rich-chat-'));
    const chats: Array<ChatProcess | PtyChat> = [];
    const group = uniqueName('crew');
    let groupId = '';

    /** A saved session for `user` on their own node, as `parley login` writes it. */
    const configOf = (user: TestUser): string => {
      const path = join(dir, `${user.username}.json`);
      const server = world().deployment.urlOf(user);
      writeFileSync(path, JSON.stringify({ server, token: user.token, username: user.username }), {
        mode: 0o600,
      });
      return path;
    };
    const chat = (user: TestUser) => {
      const c = new ChatProcess(['chat'], { PARLEY_CONFIG: configOf(user) });
      chats.push(c);
      return c;
    };
    const cli = (user: TestUser, args: string[]) =>
      runCli(args, { env: { PARLEY_CONFIG: configOf(user) } });
    const react = async (user: TestUser, seq: number, emoji: string, conversation = groupId) => {
      const res = await world().api.request(
        'PUT',
        `/api/v1/conversations/${conversation}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`,
        { token: user.token },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };

    after(async () => {
      for (const c of chats) await c.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('[R1][R2][R3][R4][R6][R9][C6] piped: a terminal user replies, reacts, reads a thread, sees a peer react and a member added live, and is mentioned', async () => {
      const { api, users } = world();
      const { ann, bob, cat } = users;
      groupId = await api.group(bob, group, [ann.username]); // seq 1
      assert.equal((await api.send(bob, groupId, 'first from bob')).status, 201); // seq 2
      const dm = await api.dm(bob, ann.username);

      const term = chat(ann);
      await term.waitFor(/\[online\]/);
      term.type(`/open #${group}`);
      await term.waitFor(new RegExp(`^• group "${group}" created by ${bob.username}$`));
      await term.waitFor(/#2 \S+: first from bob$/);

      term.type('/reply 2 answering :tada:'); // seq 3
      const quote = await term.waitFor(/↳ re #2 \S+: first from bob/);
      const reply = await term.waitFor(/#3 \S+: answering 🎉$/);
      assert.equal(
        term.lines.indexOf(reply) - term.lines.indexOf(quote),
        1,
        'the quote is right above the reply',
      );

      term.type('/react 2 :thumbsup:'); // seq 4
      await term.waitFor(new RegExp(`#2 reactions: 👍 1 \\(${ann.username}\\)$`));
      await react(bob, 2, '❤️'); // seq 5, from a REST peer on the other node in cluster mode
      await term.waitFor(
        new RegExp(`#2 reactions: 👍 1 \\(${ann.username}\\) ❤️ 1 \\(${bob.username}\\)$`),
      );
      term.type('/react 2 👍'); // no change, no event
      await term.waitFor(/\(you had already reacted 👍 to #2\)/);
      term.type('/unreact 2 👍'); // seq 6
      await term.waitFor(new RegExp(`#2 reactions: ❤️ 1 \\(${bob.username}\\)$`));
      term.type('/unreact 2 👍');
      await term.waitFor(/\(you had no 👍 on #2\)/);

      term.type('/thread 2');
      await term.waitFor(/— thread of #2 \(1 reply\) —/);
      await term.waitFor(/#2 \S+: first from bob \[1 reply\]$/);
      await term.waitFor(/#3 \S+: answering 🎉$/);
      await term.waitFor(/— end of thread —/);

      const added = await api.request('POST', `/api/v1/conversations/${groupId}/members`, {
        token: bob.token,
        body: { username: cat.username },
      }); // seq 7
      assert.equal(added.status, 201, JSON.stringify(added.body));
      await term.waitFor(new RegExp(`• ${cat.username} was added by ${bob.username}$`));

      assert.equal((await api.send(bob, groupId, `@${ann.username} look at this`)).status, 201); // seq 8
      await term.waitFor(
        new RegExp(`#8 ${bob.username}: @${ann.username} look at this \\(mentions you\\)$`),
      );
      const psst = await api.send(bob, dm, 'psst');
      assert.equal(psst.status, 201);
      await term.waitFor(
        new RegExp(`• new message in @${bob.username} from ${bob.username}: psst`),
      );

      term.type('/mentions');
      await term.waitFor(/Mentions \(newest first\):/);
      await term.waitFor(new RegExp(`^#${group} \\[\\d\\d:\\d\\d\\] #8 ${bob.username}: @`));
      term.type('/me waves');
      await term.waitFor(new RegExp(`#9 ${ann.username}: waves$`));
      const read = await api.request('POST', `/api/v1/conversations/${groupId}/read`, {
        token: bob.token,
        body: { seq: 9 },
      });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      await term.waitFor(new RegExp(`^ {2}✓ #9 seen by ${bob.username}$`)); // a receipt (R9)
      term.type('/reply 999 to nothing');
      await term.waitFor(/✗ not sent: "to nothing" — .* \(not_found\)/);
      term.type('/react 2 nope');
      await term.waitFor(/error: "nope" is not one emoji/);

      // A reaction to a message older than the page shown: its summary is read from the server.
      for (let i = 1; i <= 21; i++)
        assert.equal((await api.send(bob, dm, `filler ${i}`)).status, 201);
      const first = psst.body.message.seq as number;
      term.type(`/open @${bob.username}`);
      await term.waitFor(new RegExp(`#${first + 21} ${bob.username}: filler 21$`));
      await react(bob, first, '😀', dm);
      await term.waitFor(new RegExp(`^#${first} reactions: 😀 1 \\(${bob.username}\\)$`));
      term.type('/quit');
      assert.equal(await term.exited, 0);
      const shown = term.lines.join('\n');
      assert.ok(!shown.includes('\x1b') && !shown.includes('\x07'), 'plain text on a pipe');
    });

    it('[R1][R3][R4][R8][CLI2] one-shot: send --reply-to, react, thread and mentions; bad input is refused with exit code 2', async () => {
      const { users } = world();
      const { ann, bob } = users;
      const sent = await cli(ann, ['send', '--group', group, '--reply-to', '2', 'me', 'too']);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, new RegExp(`^sent #10 to #${group} \\(a reply to #2\\)$`, 'm'));

      const reacted = await cli(bob, ['react', '--group', group, '#10', ':rocket:']);
      assert.equal(reacted.code, 0, reacted.stderr);
      assert.equal(reacted.stdout.trim(), `#10 reactions: 🚀 1 (${bob.username})`);

      const thread = await cli(bob, ['thread', '--group', group, '10']);
      assert.equal(thread.code, 0, thread.stderr);
      const lines = thread.stdout.trim().split('\n');
      const messages = lines.filter((line) => line.startsWith('['));
      assert.equal(messages.length, 3, thread.stdout);
      assert.match(
        messages[0]!,
        /#2 \S+: first from bob \[2 replies\]$/,
        'a reply leads to its root',
      );
      assert.match(messages[1]!, /#3 \S+: answering 🎉$/);
      assert.match(messages[2]!, /#10 \S+: me too$/);
      const last = lines.indexOf(messages[2]!);
      assert.match(lines[last - 1]!, new RegExp(`^ {2}↳ re #2 ${bob.username}: first from bob$`));
      assert.equal(lines[last + 1], `    #10 reactions: 🚀 1 (${bob.username})`);

      const mentions = await cli(ann, ['mentions', '--json']);
      assert.equal(mentions.code, 0, mentions.stderr);
      assert.deepEqual(
        JSON.parse(mentions.stdout).messages.map((m: { seq: number }) => m.seq),
        [8],
      );

      const refused = await Promise.all([
        cli(ann, ['react', '--group', group, '2', 'two words']),
        cli(ann, ['react', '2', '👍']),
        cli(ann, ['history', '--group', group, '--limit', 'abc']),
        cli(ann, ['send', '--group', group, '--reply-to', 'x', 'hi']),
        cli(ann, ['login', '--username', ann.username]),
      ]);
      for (const result of refused) assert.equal(result.code, 2, result.stderr);
      assert.match(refused[0].stderr, /is not one emoji/);
      assert.match(refused[1].stderr, /say where: --with USER or --group NAME/);
      assert.match(refused[2].stderr, /--limit must be a whole number from 1 to 100, not "abc"/);
      const wrong = await runCli(
        [
          'login',
          '--server',
          world().deployment.urlOf(ann),
          '--username',
          ann.username,
          '--password-stdin',
        ],
        { env: { PARLEY_CONFIG: join(dir, 'scratch.json') }, input: 'not the password\n' },
      );
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /Wrong username or password\. \(invalid_credentials\)/);
      const missing = await cli(ann, ['react', '--group', group, '999', '👍']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /\(not_found\)/);
    });

    it(
      '[CLI1][R6] on a terminal: Tab completes a command and a @member; a mention is highlighted and rings the bell',
      { skip: NO_PTY },
      async () => {
        const { api, users } = world();
        const { ann, bob } = users;
        const term = new PtyChat(['chat'], { PARLEY_CONFIG: configOf(ann) });
        chats.push(term);
        await term.waitFor(/\[online\]\n\(no conversation\) > /); // the prompt says online too
        term.type(`/open #${group}`);
        await term.waitFor(new RegExp(`• ${users.cat.username} was added by ${bob.username}`));
        await term.waitFor(/#10 \S+: me too/);

        term.keys('/reac\t');
        await term.waitFor(/\/react $/);
        term.type('2 :tada:');
        await term.waitFor(
          new RegExp(`#2 reactions: ❤️ 1 \\(${bob.username}\\) 🎉 1 \\(${ann.username}\\)`),
        );

        term.keys(`thanks @${bob.username.slice(0, 4)}\t`);
        await term.waitFor(new RegExp(`thanks @${bob.username} $`));
        term.type('for all');
        await term.waitFor(new RegExp(`#\\d+ ${ann.username}: thanks @${bob.username} for all`));

        const before = term.raw.length;
        assert.equal((await api.send(bob, groupId, `ping @${ann.username}`)).status, 201);
        await term.waitFor(new RegExp(`${bob.username}: ping @${ann.username}`));
        const shown = term.raw.slice(before);
        assert.ok(shown.includes('\x07'), 'the bell rang');
        assert.ok(shown.includes('\x1b[1;33;7m'), 'the mention is highlighted');

        // A user argument is completed from a user search on the server (answered later).
        term.keys(`/dm ${users.cat.username.slice(0, -1)}\t`);
        await term.waitFor(new RegExp(`/dm ${users.cat.username} $`));
        term.keys('\x15'); // Ctrl-U: the line is dropped, not sent
        term.type('/quit');
        assert.equal(await term.exited, 0);
      },
    );
  });
}

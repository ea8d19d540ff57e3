import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestUser } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import { openConversation, screenshot, sendMessage } from '../helpers/web.js';
import { expectRows, rest, sendAs, shownRows, signUpApi, useRichWorld } from './rich-world.js';

for (const mode of testModes()) {
  describe(`web UI: system lines in the timeline (${mode})`, () => {
    const world = useRichWorld(mode);
    let crew = '';
    let carol: TestUser;
    let dave: TestUser;
    /** What bob's page shows of the group, as the test goes. */
    const bobSees: string[] = [];
    const as = (user: TestUser, method: string, path: string, body?: unknown) =>
      world().deployment.api.request(method, path, { token: user.token, body });

    it('member changes, renames and settings show live as system lines among the messages, in order', async () => {
      const { alice, bob } = world();
      carol = await signUpApi(world(), 'carol');
      dave = await signUpApi(world(), 'dave');
      const { conversation } = await rest(alice.page, 'POST', '/api/v1/groups', {
        name: 'Crew',
        members: ['bob'],
      });
      crew = conversation.id;
      await openConversation(alice, 'Crew');
      await openConversation(bob, 'Crew');
      bobSees.push('— Group “Crew” created by alice');
      await expectRows(bob.page, bobSees);
      await expectRows(alice.page, ['— Group “Crew” created by you']);

      const base = `/api/v1/conversations/${crew}`;
      await rest(alice.page, 'POST', `${base}/members`, { username: 'carol' });
      bobSees.push('— carol was added by alice');
      await expectRows(bob.page, bobSees);
      // Screen readers hear it too (the page's polite live region).
      await bob.page
        .locator('[aria-live="polite"][aria-atomic="true"]', {
          hasText: 'carol was added by alice',
        })
        .waitFor({ state: 'attached' });
      await sendMessage(alice, 'Welcome, carol!');
      await sendAs(world(), carol, crew, 'Thanks! Glad to be here');
      await rest(alice.page, 'PATCH', `${base}/members/bob`, { role: 'admin' });
      await rest(alice.page, 'PATCH', base, { name: 'Crew 2' });
      await rest(alice.page, 'PUT', `${base}/settings`, { allMentions: 'admins' });
      bobSees.push(
        'Welcome, carol!',
        'Thanks! Glad to be here',
        '— alice made you an admin',
        '— Group renamed to “Crew 2” by alice',
        '— alice allowed only owners and admins to mention @all',
      );
      await expectRows(bob.page, bobSees);
      await expectRows(alice.page, [
        '— Group “Crew” created by you',
        '— carol was added by you',
        'Welcome, carol!',
        'Thanks! Glad to be here',
        '— You made bob an admin',
        '— Group renamed to “Crew 2” by you',
        '— You allowed only owners and admins to mention @all',
      ]);
      // bob, now an admin, adds dave and removes him; carol leaves.
      await rest(bob.page, 'POST', `${base}/members`, { username: 'dave' });
      await rest(bob.page, 'DELETE', `${base}/members/dave`);
      const left = await as(carol, 'POST', `${base}/leave`);
      assert.equal(left.status, 204, JSON.stringify(left.body));
      bobSees.push('— dave was added by you', '— dave was removed by you', '— carol left');
      await expectRows(bob.page, bobSees);
      await expectRows(alice.page, [
        '— Group “Crew” created by you',
        '— carol was added by you',
        'Welcome, carol!',
        'Thanks! Glad to be here',
        '— You made bob an admin',
        '— Group renamed to “Crew 2” by you',
        '— You allowed only owners and admins to mention @all',
        '— dave was added by bob',
        '— dave was removed by bob',
        '— carol left',
      ]);
      // System lines are centred muted lines, not bubbles, and name no sender.
      const line = bob.page.locator('.system-line').first();
      assert.equal(await line.evaluate((el) => getComputedStyle(el).justifyContent), 'center');
      assert.equal(await line.locator('.bubble').count(), 0);
      await screenshot(bob.page, mode === 'embedded' ? 'system-lines' : `system-lines-${mode}`, {
        docs: mode === 'embedded',
      });
      if (mode === 'embedded') {
        await bob.page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(bob.page, 'system-lines-dark', { docs: true });
        await bob.page.emulateMedia({ colorScheme: 'light' });
      }
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('[G4] a page that was offline gets the events and messages it missed on resync, in order, once', async () => {
      const { alice, bob } = world();
      await bob.context.setOffline(true);
      await bob.page.getByRole('status').getByText("You're offline").waitFor();
      const base = `/api/v1/conversations/${crew}`;
      await sendMessage(alice, 'While you were away…');
      await rest(alice.page, 'POST', `${base}/members`, { username: 'dave' });
      await sendAs(world(), dave, crew, 'hi all, dave here');
      await rest(alice.page, 'PATCH', `${base}/members/bob`, { role: 'member' });
      await rest(alice.page, 'PATCH', base, { name: 'Crew 3' });
      await rest(alice.page, 'PUT', `${base}/settings`, { allMentions: 'members' });
      await alice.page.getByRole('heading', { level: 1, name: 'Crew 3' }).waitFor();
      bobSees.push(
        'While you were away…',
        '— dave was added by alice',
        'hi all, dave here',
        '— alice made you a member',
        '— Group renamed to “Crew 3” by alice',
        '— alice allowed everyone to mention @all',
      );
      await bob.context.setOffline(false);
      await expectRows(bob.page, bobSees);
      await bob.page.getByRole('heading', { level: 1, name: 'Crew 3' }).waitFor();
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    });

    it('history pages read the same lines back: a reload shows the timeline as it was lived', async () => {
      const { bob } = world();
      await bob.page.reload();
      await expectRows(bob.page, bobSees);
      assert.deepEqual(await shownRows(bob.page), bobSees);
    });
  });
}

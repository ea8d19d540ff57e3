import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProfileCache, type ProfileDto } from '../../src/client/index.js';

const profile = (id: string): ProfileDto => ({
  userId: id,
  username: `user-${id}`,
  displayName: null,
  statusText: null,
  avatarUrl: null,
  lastSeenAt: null,
  online: false,
});

describe('client library: ProfileCache', () => {
  it('[PR2] ids wanted in the same tick go in one request; cached ones are not asked again', async () => {
    const asked: string[][] = [];
    const cache = new ProfileCache({
      many: (ids) => {
        asked.push([...ids]);
        return Promise.resolve(ids.filter((id) => id !== 'ghost').map(profile));
      },
    });
    const heard: string[] = [];
    cache.onChange((ps) => heard.push(...ps.map((p) => p.userId)));
    const first = cache.want(['a', 'b']);
    const second = cache.want(['b', 'c', 'ghost']);
    await Promise.all([first, second]);
    assert.deepEqual(asked, [['a', 'b', 'c', 'ghost']]);
    assert.deepEqual(heard, ['a', 'b', 'c']);
    assert.equal(cache.get('a')?.username, 'user-a');
    assert.equal(cache.get('ghost'), undefined);
    await cache.want(['a', 'c', 'ghost']);
    assert.equal(asked.length, 1, 'nothing new to ask');
    cache.forget('a');
    await cache.want(['a']);
    assert.deepEqual(asked[1], ['a']);
  });

  it('[PR2] a want while a fetch runs waits for it; a failed fetch is asked again later', async () => {
    let fail = true;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new ProfileCache({
      many: async (ids) => {
        await gate;
        if (fail) throw new Error('offline');
        return ids.map(profile);
      },
    });
    const first = cache.want(['x']);
    await Promise.resolve();
    let waited = false;
    const second = cache.want(['x']).then(() => (waited = true));
    assert.equal(waited, false);
    release();
    await Promise.all([first, second]);
    assert.equal(waited, true);
    assert.equal(cache.get('x'), undefined);
    fail = false;
    await cache.want(['x']);
    assert.equal(cache.get('x')?.username, 'user-x');
  });
});

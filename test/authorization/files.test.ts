// Authorization matrix, files half (rules F6, F7): every actor x every file action, as data.
// The file is another member's, attached to a message of the actor's scene (or, for the
// "unattached" rows, still that member's unattached upload). Every 404 is exactly the answer
// for a file id that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResponse, TestUser } from '../helpers/api.js';
import { testModes } from '../helpers/deployment.js';
import {
  actorRules,
  cite,
  expectError,
  expectStatus,
  rowsOf,
  sceneFor,
  setUp,
  userOf,
  type Outcome,
  type Scene,
  type World,
} from './world.js';

const MISSING_FILE = '01J0000000000000000000NOFILE';

interface FileAction {
  what: string;
  rules: string[];
  ok: number;
  /** Whether the file is attached to a message of the scene (else: an unattached upload). */
  attached: boolean;
  call(fileId: string): { method: string; path: string };
}

const A = {
  download: {
    what: "download another member's attached file",
    rules: ['F6'],
    ok: 200,
    attached: true,
    call: (id) => ({ method: 'GET', path: `/api/v1/files/${id}` }),
  },
  thumbnail: {
    what: "read the thumbnail of another member's attached image",
    rules: ['F6'],
    ok: 200,
    attached: true,
    call: (id) => ({ method: 'GET', path: `/api/v1/files/${id}/thumbnail` }),
  },
  downloadUnattached: {
    what: "download another member's unattached upload",
    rules: ['F6'],
    ok: 200,
    attached: false,
    call: (id) => ({ method: 'GET', path: `/api/v1/files/${id}` }),
  },
  deleteUnattached: {
    what: "delete another member's unattached upload",
    rules: ['F7'],
    ok: 204,
    attached: false,
    call: (id) => ({ method: 'DELETE', path: `/api/v1/files/${id}` }),
  },
  deleteAttached: {
    what: "delete another member's attached file",
    rules: ['F7'],
    ok: 204,
    attached: true,
    call: (id) => ({ method: 'DELETE', path: `/api/v1/files/${id}` }),
  },
} satisfies Record<string, FileAction>;

// prettier-ignore
const MATRIX: Array<[FileAction, Outcome[]]> = [
  //                    anonymous non-member member admin  owner  removed deleted
  [A.download,           [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.thumbnail,          [401,    404,       'ok',  'ok',  'ok',  404,    401]],
  [A.downloadUnattached, [401,    404,       404,   404,   404,   404,    401]],
  [A.deleteUnattached,   [401,    404,       404,   404,   404,   404,    401]],
  [A.deleteAttached,     [401,    404,       404,   404,   404,   404,    401]],
];

/** A 2x2 PNG: an image, so the attached file has a thumbnail. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

async function upload(w: World, user: TestUser): Promise<string> {
  const res = await fetch(`${w.api.urlFor(user.token)}/api/v1/files?name=pixel.png`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'image/png' },
    body: PNG,
  });
  const body = (await res.json()) as { file: { id: string; thumbnail: unknown } };
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.ok(body.file.thumbnail, 'the test image gets a thumbnail');
  return body.file.id;
}

/** Another member's file: attached to a message of the scene, or left unattached. */
async function fileIn(w: World, scene: Scene, attached: boolean): Promise<string> {
  const author = w.cast.other;
  const id = await upload(w, author);
  if (attached) {
    const sent = await w.api.request('POST', `/api/v1/conversations/${scene.id}/messages`, {
      token: author.token,
      body: { clientMsgId: crypto.randomUUID(), body: '', attachments: [id] },
    });
    expectStatus(sent, 201);
  }
  return id;
}

/** Raw status and JSON body (downloads are bytes: the body is parsed only for errors). */
async function call(w: World, me: TestUser | undefined, c: { method: string; path: string }) {
  const res = await fetch(`${w.api.urlFor(me?.token)}${c.path}`, {
    method: c.method,
    headers: me ? { authorization: `Bearer ${me.token}` } : {},
  });
  const type = res.headers.get('content-type') ?? '';
  const text = type.startsWith('application/json') ? await res.text() : '';
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

for (const mode of testModes())
  describe(`authorization matrix: files [${mode}]`, () => {
    let world: World;
    before(async () => {
      world = await setUp(mode);
    });
    after(() => world.deployment.dispose());

    for (const { actor, action, expect } of rowsOf(MATRIX)) {
      const status = expect === 'ok' ? action.ok : expect;
      const verb = expect === 'ok' ? 'can' : 'cannot';
      const rules = cite([...actorRules(actor), ...action.rules]);
      it(`${rules} ${actor} ${verb} ${action.what} (${status})`, async () => {
        const scene = await sceneFor(world, actor, false);
        // The deleted user's old group: its file is sent there while the others still can.
        const fileId = await fileIn(
          world,
          actor === 'deleted user' ? world.shared : scene,
          action.attached,
        );
        const me = userOf(world.cast, actor);
        const res = await call(world, me, action.call(fileId));
        if (expect === 'ok') {
          assert.equal(res.status, action.ok);
          return;
        }
        expectError(res as ApiResponse, expect);
        if (expect === 404) {
          const missing = await call(world, me, action.call(MISSING_FILE));
          assert.deepEqual(
            { status: missing.status, body: missing.body },
            { status: 404, body: res.body },
          );
        }
        // The refusal changed nothing: the uploader still reads the file.
        const own = await call(world, world.cast.other, A.download.call(fileId));
        assert.equal(own.status, 200);
      });
    }
  });

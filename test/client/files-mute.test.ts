import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyClient } from '../../src/client/client.js';
import { ApiError } from '../../src/client/api-error.js';
import { RestApi } from '../../src/client/rest.js';
import { formatBytes } from '../../src/client/uploads.js';
import type { ConversationDto } from '../../src/protocol/schemas.js';
import { conversationDto } from '../helpers/dtos.js';
import { fakeNetwork, messageFrame, readyFrame } from './fake-socket.js';

const summary = (muted: boolean): ConversationDto => conversationDto({ muted });

function client(conversations: ConversationDto[] = []) {
  const net = fakeNetwork();
  const rest: typeof fetch = () =>
    Promise.resolve(new Response(JSON.stringify({ conversations }), { status: 200 }));
  const c = new ParleyClient({
    urls: ['http://a.test'],
    token: 'tok',
    webSocket: net.factory,
    fetch: rest,
    backoff: { baseMs: 1, maxMs: 4, random: () => 1 },
    retryDelayMs: 1,
    discover: false,
  });
  return { c, net };
}

/** A fetch input as its URL (RestApi passes strings). */
const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/** A fetch that answers GET /api/v1/me/storage with `storage` and records every request. */
function storageFetch(storage: { usedBytes: number; quotaBytes: number; maxUploadBytes: number }) {
  const calls: string[] = [];
  const fetcher: typeof fetch = (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${urlOf(input)}`);
    if (urlOf(input).endsWith('/api/v1/me/storage'))
      return Promise.resolve(new Response(JSON.stringify(storage), { status: 200 }));
    return Promise.resolve(
      new Response(JSON.stringify({ error: { code: 'internal', message: 'unexpected' } }), {
        status: 500,
      }),
    );
  };
  return { calls, fetcher };
}

describe('client library: attachments on sends, refusals before upload, mute', () => {
  it('[F3][G3] a send with attachments writes them in its frame, and again after a reconnect with the same clientMsgId; none is no field', async () => {
    const { c, net } = client();
    const { entry, done } = c.send('c1', '', { attachments: ['f1', 'f2'] });
    assert.deepEqual(entry.attachments, ['f1', 'f2']);
    c.send('c1', 'no files', { attachments: [] });
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 3 }));
    const first = net.last().frames('send');
    assert.deepEqual(first[0], {
      type: 'send',
      conversationId: 'c1',
      clientMsgId: entry.clientMsgId,
      body: '',
      attachments: ['f1', 'f2'],
    });
    assert.ok(!('attachments' in first[1]), 'an empty list is not sent');
    net.last().close(1006, 'drop');
    await new Promise<void>((resolve) => c.on('state', (s) => s === 'connecting' && resolve()));
    net.last().open();
    net.last().push(readyFrame({ c1: 3 }));
    const again = net.last().frames('send');
    assert.equal(again[0].clientMsgId, entry.clientMsgId);
    assert.deepEqual(again[0].attachments, ['f1', 'f2'], 'the retry carries the same files');
    net.last().push({
      type: 'ack',
      clientMsgId: entry.clientMsgId,
      message: messageFrame('c1', 4, { body: '' }).message,
      created: true,
    });
    await done;
    c.close();
  });

  it('[F3] a refused send keeps its attachments for the user’s retry', () => {
    const { c, net } = client();
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 3 }));
    const { entry, done } = c.send('c1', 'x', { attachments: ['f9'] });
    done.catch(() => undefined);
    net.last().push({
      type: 'error',
      code: 'invalid_request',
      message: 'unknown file',
      ref: entry.clientMsgId,
    });
    assert.equal(entry.state, 'failed');
    void c.retry(entry.clientMsgId)?.catch(() => undefined);
    const frames = net.last().frames('send');
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[1].attachments, ['f9']);
    c.close();
  });

  it('[N3] the conversation.muted side event updates the cached summary and moves no cursor', async () => {
    const { c, net } = client([summary(false)]);
    await c.refreshConversations();
    c.connect();
    net.last().open();
    net.last().push(readyFrame({ c1: 3 }));
    const changed: boolean[] = [];
    c.on('conversation', (conversation) => changed.push(conversation.muted));
    net.last().push({
      type: 'event',
      event: { type: 'conversation.muted', conversationId: 'c1', muted: true },
    });
    assert.equal(c.conversations.get('c1')?.muted, true);
    assert.deepEqual(changed, [true]);
    assert.equal(c.cursors.get('c1'), 3);
    net.last().push({
      type: 'event',
      event: { type: 'conversation.muted', conversationId: 'c1', muted: false },
    });
    assert.equal(c.conversations.get('c1')?.muted, false);
    net.last().push({
      type: 'event',
      event: { type: 'conversation.muted', conversationId: 'unknown', muted: true },
    });
    assert.deepEqual(changed, [true, false], 'an unknown conversation changes nothing');
    c.close();
  });

  it('[F1] an empty, oversize or over-quota file is refused before upload with the server’s codes', async () => {
    const { calls, fetcher } = storageFetch({
      usedBytes: 900,
      quotaBytes: 1000,
      maxUploadBytes: 200,
    });
    const api = new RestApi({ baseUrl: 'http://a.test', token: 't', fetch: fetcher });
    const refusal = (body: Uint8Array) =>
      api.uploadFile(body, 'f.bin').then(
        () => assert.fail('uploaded'),
        (err: unknown) => {
          assert.ok(err instanceof ApiError);
          return err;
        },
      );
    const empty = await refusal(new Uint8Array(0));
    assert.deepEqual([empty.status, empty.code], [400, 'invalid_request']);
    assert.match(empty.message, /f\.bin is empty/);
    const big = await refusal(new Uint8Array(201));
    assert.deepEqual([big.status, big.code, big.details], [413, 'payload_too_large', { max: 200 }]);
    assert.match(big.message, /f\.bin is 201 B: files may be at most 200 B/);
    const full = await refusal(new Uint8Array(101));
    assert.deepEqual(
      [full.status, full.code, full.details],
      [413, 'quota_exceeded', { quota: 1000, used: 900 }],
    );
    assert.ok(
      calls.every((call) => call.startsWith('GET ')),
      `nothing was posted: ${calls.join(', ')}`,
    );
    // The quota holds at its edge: a file of exactly the room left passes the check.
    const edge = await api.uploadFile(new Uint8Array(100), 'f.bin').then(
      () => null,
      (err: unknown) => err as ApiError,
    );
    assert.equal(edge?.code, 'internal', 'a file that fits was sent (the fake then refused it)');
    assert.ok(calls.at(-1)!.startsWith('POST http://a.test/api/v1/files?name=f.bin'));
  });

  it('[F1] a stream upload says its length, reports progress and keeps the server’s error details', async () => {
    let seen: { headers: Headers; bytes: number; url: string } | undefined;
    const fetcher: typeof fetch = async (input, init) => {
      if (urlOf(input).endsWith('/storage'))
        return new Response(
          JSON.stringify({ usedBytes: 0, quotaBytes: 1 << 20, maxUploadBytes: 1 << 20 }),
        );
      const body = new Uint8Array(await new Response(init!.body).arrayBuffer());
      seen = { headers: new Headers(init!.headers), bytes: body.byteLength, url: urlOf(input) };
      return new Response(
        JSON.stringify({
          error: { code: 'quota_exceeded', message: 'full', details: { quota: 5, used: 4 } },
        }),
        { status: 413 },
      );
    };
    const api = new RestApi({ baseUrl: 'http://a.test/', token: 't', fetch: fetcher });
    const chunks = [new Uint8Array(1000), new Uint8Array(24)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const progress: number[] = [];
    const err = await api
      .uploadFile(stream, 'ä b.txt', {
        size: 1024,
        contentType: 'text/plain',
        onProgress: (sent, total) => progress.push(sent / total),
      })
      .catch((e: unknown) => e as ApiError);
    assert.ok(err instanceof ApiError);
    assert.deepEqual(
      [err.status, err.code, err.details],
      [413, 'quota_exceeded', { quota: 5, used: 4 }],
    );
    assert.equal(seen?.url, 'http://a.test/api/v1/files?name=%C3%A4+b.txt');
    assert.equal(seen?.headers.get('content-length'), '1024');
    assert.equal(seen?.headers.get('content-type'), 'text/plain');
    assert.equal(seen?.headers.get('authorization'), 'Bearer t');
    assert.equal(seen?.bytes, 1024);
    assert.deepEqual(progress, [1000 / 1024, 1]);
  });

  it('[F1] a node that refuses by length and closes before fetch reads its answer: the fresh figures say why', async () => {
    let used = 0;
    const fetcher: typeof fetch = (input) =>
      urlOf(input).endsWith('/storage')
        ? Promise.resolve(
            new Response(
              JSON.stringify({ usedBytes: used, quotaBytes: 1000, maxUploadBytes: 500 }),
            ),
          )
        : Promise.reject(new TypeError('fetch failed: other side closed'));
    const api = new RestApi({ baseUrl: 'http://a.test', token: 't', fetch: fetcher });
    const stale = { usedBytes: 0, quotaBytes: 1000, maxUploadBytes: 500 };
    used = 900; // another device uploaded meanwhile
    const full = await api.uploadFile(new Uint8Array(200), 'f.bin', { storage: stale }).then(
      () => null,
      (err: unknown) => err as ApiError,
    );
    assert.deepEqual([full?.code, full?.details], ['quota_exceeded', { quota: 1000, used: 900 }]);
    used = 0; // it fits: the failure was the network's
    const lost = await api.uploadFile(new Uint8Array(200), 'f.bin').then(
      () => null,
      (err: unknown) => err as ApiError,
    );
    assert.equal(lost?.code, 'unreachable');
  });

  it('formatBytes reads like people write sizes', () => {
    assert.deepEqual(
      [0, 512, 1024, 1536, 10 * 1024 + 200, 25 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes),
      ['0 B', '512 B', '1 KB', '1.5 KB', '10 KB', '25 MB', '3 GB'],
    );
  });
});

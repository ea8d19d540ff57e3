import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Api } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { expectStatus } from './support.js';

/** Every REST route of the node (method, OpenAPI path). */
const ROUTES: Array<[string, string]> = [
  ['post', '/api/v1/auth/register'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/logout'],
  ['get', '/api/v1/me'],
  ['delete', '/api/v1/me'],
  ['get', '/api/v1/users'],
  ['get', '/api/v1/users/{username}'],
  ['get', '/api/v1/conversations'],
  ['post', '/api/v1/conversations/dm'],
  ['post', '/api/v1/groups'],
  ['get', '/api/v1/conversations/{id}'],
  ['patch', '/api/v1/conversations/{id}'],
  ['delete', '/api/v1/conversations/{id}'],
  ['get', '/api/v1/conversations/{id}/members'],
  ['post', '/api/v1/conversations/{id}/members'],
  ['patch', '/api/v1/conversations/{id}/members/{username}'],
  ['delete', '/api/v1/conversations/{id}/members/{username}'],
  ['post', '/api/v1/conversations/{id}/leave'],
  ['get', '/api/v1/conversations/{id}/messages'],
  ['post', '/api/v1/conversations/{id}/messages'],
  ['patch', '/api/v1/conversations/{id}/messages/{seq}'],
  ['delete', '/api/v1/conversations/{id}/messages/{seq}'],
  ['post', '/api/v1/conversations/{id}/read'],
  ['put', '/api/v1/conversations/{id}/messages/{seq}/reactions/{emoji}'],
  ['delete', '/api/v1/conversations/{id}/messages/{seq}/reactions/{emoji}'],
  ['get', '/api/v1/me/settings'],
  ['patch', '/api/v1/me/settings'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/api/v1/openapi.json'],
  ['get', '/api/v1/docs'],
];
const PUBLIC = new Set([
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/registration',
  '/api/v1/auth/password-reset',
  '/api/v1/auth/forgot',
  '/api/v1/invites/check',
  '/healthz',
  '/readyz',
  '/api/v1/openapi.json',
  '/api/v1/docs',
  '/metrics',
  '/api/v1/cluster',
  '/api/v1/cluster/connect',
]);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Resolves a local JSON pointer such as `#/components/schemas/User` against `doc`. */
function resolvePointer(doc: unknown, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `non-local $ref ${ref}`);
  let at: any = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    at = at?.[key];
  }
  return at;
}

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

describe('REST: health, OpenAPI document and docs page', () => {
  let node: TestNode;
  let api: Api;
  let doc: any;

  before(async () => {
    node = await startTestNode();
    api = new Api(node.url);
    const res = await api.request('GET', '/api/v1/openapi.json');
    expectStatus(res, 200);
    doc = res.body;
  });
  after(() => node.dispose());

  it('[O3] /healthz answers ok with the node id', async () => {
    const res = await api.request('GET', '/healthz');
    expectStatus(res, 200);
    assert.deepEqual(res.body, { status: 'ok', node: 'test' });
  });

  it('[O3] /readyz is 200 when the store answers', async () => {
    const res = await api.request('GET', '/readyz');
    expectStatus(res, 200);
    assert.equal(res.body.status, 'ready');
    assert.equal(res.body.node, 'test');
    assert.equal(res.body.checks.store, 'ok');
  });

  it('[H1] openapi.json is an OpenAPI 3.1 document listing every route', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(doc.info.version.length > 0);
    for (const [method, path] of ROUTES) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    }
  });

  it('[H1] every operation is well formed: summary, responses, path parameters, security', () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      assert.ok(path.startsWith('/'), path);
      for (const [method, op] of Object.entries<any>(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(METHODS.has(method), where);
        assert.equal(typeof op.summary, 'string', where);
        assert.ok(Object.keys(op.responses).length > 0, where);
        for (const [status, response] of Object.entries<any>(op.responses)) {
          assert.match(status, /^[1-5]\d\d$/, where);
          assert.equal(typeof response.description, 'string', `${where} ${status}`);
        }
        const declared = new Set(
          (op.parameters ?? [])
            .filter((p: any) => p.in === 'path')
            .map((p: any) => p.name as string),
        );
        const inPath = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
        assert.deepEqual(declared, inPath, where);
        for (const p of op.parameters ?? []) {
          assert.ok(['path', 'query', 'header', 'cookie'].includes(p.in), where);
          if (p.in === 'path') assert.equal(p.required, true, where);
          assert.ok(p.schema && typeof p.schema === 'object', where);
        }
        if (op.requestBody) {
          // JSON, or a raw binary body (a file upload, rule F1) described as such.
          const content = op.requestBody.content;
          assert.ok(
            content['application/json']?.schema ??
              content['application/octet-stream']?.schema?.contentMediaType,
            where,
          );
        }
        if (!PUBLIC.has(path) && !path.startsWith('/api/v1/docs')) {
          assert.ok(
            Array.isArray(op.security) && op.security.length > 0,
            `${where} declares security`,
          );
          assert.ok(op.responses['401'], `${where} documents 401`);
        }
      }
    }
    for (const scheme of Object.values<any>(doc.components.securitySchemes)) {
      assert.ok(['http', 'apiKey'].includes(scheme.type));
    }
  });

  it('[H1] every $ref in the document resolves inside it', () => {
    const refs = collectRefs(doc);
    assert.ok(refs.length > 0);
    for (const ref of new Set(refs)) {
      assert.ok(resolvePointer(doc, ref) !== undefined, `$ref ${ref} resolves`);
    }
  });

  it('[H1] the schemas that validate are the ones documented (limits show up in the document)', () => {
    const users = doc.paths['/api/v1/users'].get.parameters;
    const limit = users.find((p: any) => p.name === 'limit');
    assert.equal(limit.in, 'query');
    assert.equal(limit.schema.maximum, 100);
    assert.equal(limit.schema.minimum, 1);
    const send =
      doc.paths['/api/v1/conversations/{id}/messages'].post.requestBody.content['application/json']
        .schema;
    assert.deepEqual([...send.required].sort(), ['body', 'clientMsgId']);
    assert.equal(send.properties.clientMsgId.maxLength, 64);
    const register = doc.paths['/api/v1/auth/register'].post;
    assert.ok(register.responses['201']);
    assert.ok(register.responses['409']);
    assert.ok(doc.paths['/api/v1/conversations/{id}/messages'].post.responses['429']);
  });

  it('[H1] every documented path is served (no documented route answers "no such route")', async () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace(/\{[^}]+\}/g, '1');
        const res = await fetch(node.url + concrete, { method: method.toUpperCase() });
        await res.arrayBuffer();
        assert.ok(res.status < 500, `${method} ${path}: ${res.status}`);
        if (res.status === 404) {
          const again = await api.request(method.toUpperCase(), concrete);
          assert.notEqual(again.body?.error?.message, 'no such route', `${method} ${path}`);
        }
      }
    }
  });

  it('[H1][S5] the docs page is HTML with external script and style only', async () => {
    const page = await fetch(`${node.url}/api/v1/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<script[^>]+src="\/api\/v1\/docs\.js"/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
    assert.match(html, /openapi\.json/);
    const js = await fetch(`${node.url}/api/v1/docs.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(await js.text(), /openapi\.json/);
    const css = await fetch(`${node.url}/api/v1/docs.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    await css.arrayBuffer();
  });

  it('[H1][O3] the root page is served as HTML', async () => {
    const res = await fetch(`${node.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    await res.arrayBuffer();
  });
});

import assert from 'node:assert/strict';

/** A JSON response: status, parsed body and headers. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Minimal REST client for tests: JSON in, JSON out, bearer token optional. */
export class Api {
  constructor(readonly baseUrl: string) {}

  /** The base URL a request with this token goes to: this API's one node (a routed API picks per user). */
  urlFor(_token?: string): string {
    return this.baseUrl;
  }

  /** The base URL that serves this user's sign-up and log-ins. */
  homeOf(_username: string): string {
    return this.baseUrl;
  }

  async request<T = any>(
    method: string,
    path: string,
    options: {
      token?: string;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      /** The node to ask; default {@link urlFor} the token. */
      node?: string;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch((options.node ?? this.urlFor(options.token)) + path, {
      method,
      headers,
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as T) : (undefined as T),
      headers: res.headers,
    };
  }

  /** Registers and logs in; returns the token and user. */
  async signup(username: string, password = 'correct horse'): Promise<TestUser> {
    const reg = await this.request('POST', '/api/v1/auth/register', {
      node: this.homeOf(username),
      body: { username, password },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    return this.login(username, password);
  }

  async login(username: string, password = 'correct horse'): Promise<TestUser> {
    const res = await this.request('POST', '/api/v1/auth/login', {
      node: this.homeOf(username),
      body: { username, password },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return {
      token: res.body.token,
      id: res.body.user.id,
      username: res.body.user.username,
      password,
    };
  }

  async dm(user: TestUser, username: string): Promise<string> {
    const res = await this.request('POST', '/api/v1/conversations/dm', {
      token: user.token,
      body: { username },
    });
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    return res.body.conversation.id;
  }

  async group(user: TestUser, name: string, members: string[]): Promise<string> {
    const res = await this.request('POST', '/api/v1/groups', {
      token: user.token,
      body: { name, members },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.conversation.id;
  }

  async send(
    user: TestUser,
    conversationId: string,
    body: string,
    clientMsgId: string = crypto.randomUUID(),
  ) {
    return this.request('POST', `/api/v1/conversations/${conversationId}/messages`, {
      token: user.token,
      body: { clientMsgId, body },
    });
  }

  /** Every message of a conversation, paging forward through history. */
  async fullHistory(user: TestUser, conversationId: string): Promise<any[]> {
    const all: any[] = [];
    let after = 0;
    for (;;) {
      const res = await this.history(user, conversationId, `?after=${after}&limit=100`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      all.push(...res.body.messages);
      if (res.body.messages.length < 100) return all;
      after = res.body.messages.at(-1).seq;
    }
  }

  async history(user: TestUser, conversationId: string, query = '') {
    return this.request('GET', `/api/v1/conversations/${conversationId}/messages${query}`, {
      token: user.token,
    });
  }
}

/** A logged-in test user. */
export interface TestUser {
  token: string;
  id: string;
  username: string;
  password: string;
}

let counter = 0;
/** A unique valid username for this test process. */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${process.pid % 10000}_${counter}`;
}

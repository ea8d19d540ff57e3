import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PORT_RANGE,
  PORT_RESERVATIONS_ENV,
  canBind,
  freePort,
} from '../src/supervisor/free-port.js';

describe('free ports shared by the processes of a test run', () => {
  let dir = '';
  const saved = process.env[PORT_RESERVATIONS_ENV];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-free-port-'));
    process.env[PORT_RESERVATIONS_ENV] = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env[PORT_RESERVATIONS_ENV];
    else process.env[PORT_RESERVATIONS_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('never hands out a port another process reserved, and walks the whole range before giving up', async () => {
    let open = 0;
    for (let port = PORT_RANGE.min; port < PORT_RANGE.max && !open; port++)
      if (await canBind(port)) open = port;
    assert.ok(open, 'some port in the range can be bound');
    // Every other port of the range is reserved, as another test file's process would have.
    for (let port = PORT_RANGE.min; port < PORT_RANGE.max; port++)
      if (port !== open) writeFileSync(join(dir, String(port)), '');

    assert.equal(await freePort(), open);
    assert.ok(existsSync(join(dir, String(open))), 'the port handed out is reserved for the run');
    await assert.rejects(freePort(), /no free port in 20000-31999/);
  });
});

/**
 * The lab client's request (src/lab/client.ts fetchOnce) against a real HTTP server in another
 * process: an answer that arrived in time while the client itself was stalled (its event loop
 * blocked longer than the timeout, as when a loaded UML guest does not run it) is an answer, not a
 * failed request; a server that really does not answer still fails at the timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOnce } from '../../src/lab/client.js';

/** A server that prints "request" when one arrives and answers 100 ms later; /slow never answers. */
const SERVER = `
const s = require('http').createServer((q, r) => { console.log('request'); if (q.url !== '/slow') setTimeout(() => r.end('be1\\n'), 100); });
s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));`;

describe('lab client request', () => {
  let server: ChildProcess;
  let port: number;
  let onRequest: () => void = () => undefined;

  beforeAll(async () => {
    server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: server.stdout! });
    port = await new Promise<number>((resolve) =>
      lines.on('line', (l) => (l.startsWith('port ') ? resolve(Number(l.slice(5))) : onRequest())),
    );
  });
  afterAll(() => server?.kill());

  /** Blocks this process's event loop for `ms` (the client "stalls"). */
  const stall = (ms: number): void => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      /* busy */
    }
  };

  it('an answer that came in while the client was stalled past its timeout counts as an answer', async () => {
    // The stall starts when the server has the request; the server answers 100 ms into it.
    onRequest = () => stall(1500);
    await expect(fetchOnce(`http://127.0.0.1:${port}/`, 300)).resolves.toBe('be1\n');
  });

  it('a server that does not answer still fails at the timeout', async () => {
    onRequest = () => undefined;
    const t0 = Date.now();
    await expect(fetchOnce(`http://127.0.0.1:${port}/slow`, 300)).rejects.toThrow('no answer within 300 ms');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});

/**
 * Host tier: a first start of a large config probes while the config is read (early-start.ts): lvsd
 * with 2,000 virtual servers, each with a TCP-checked real server on a listener of this test, starts
 * probing before it logs "config read" (the whole file validated). Contrast: the same start with the
 * staged start turned off (LVSD_STAGED_START=0) makes no connection before that line.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LvsdProcess, Scratch, freePort, requireBuild } from './daemon-support.js';

const SERVICES = 2000;

describe('a staged start probes while it reads a large config', () => {
  const s = new Scratch();
  let server: Server;
  let port: number;
  const accepted: number[] = [];

  beforeAll(async () => {
    requireBuild();
    port = await freePort();
    server = createServer((c) => {
      accepted.push(Date.now());
      c.destroy();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    let text = `[global]\nrouter_id = "staged"\ncontrol_socket = "${s.path('lvsd.sock')}"\n`;
    for (let i = 0; i < SERVICES; i++)
      text +=
        `\n[[virtual_server]]\nname = "vs${i}"\naddress = "10.251.${i >> 8}.${i & 255}"\nport = 80\n` +
        `check = { type = "tcp", interval = "1s", timeout = "500ms", warmup = false }\n` +
        `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = ${port}\n`;
    s.write('lvsd.toml', text);
  });
  afterAll(async () => {
    s.cleanup();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Starts lvsd, waits for "lvsd started", stops it; the accept times and the "config read" line. */
  async function start(env: NodeJS.ProcessEnv) {
    accepted.length = 0;
    const d = new LvsdProcess(s, ['-f', s.path('lvsd.toml'), '--dataplane', 'memory'], { env });
    try {
      const read = await d.logged('config read', (l) => l.msg === 'config read', 60_000);
      await d.logged('lvsd started', (l) => l.msg === 'lvsd started', 60_000);
      const early = d.lines.some((l) => l.msg === 'health checks start while the config is read');
      return { readAt: Date.parse(String(read.time)), probing: read.probing, early, first: accepted[0] };
    } finally {
      d.proc.kill('SIGTERM');
      await d.exited;
    }
  }

  it('connects to a real server before the whole file is validated', async () => {
    const r = await start({});
    expect(r.early).toBe(true);
    expect(r.probing).toBe(true);
    expect(r.first).toBeDefined();
    expect(r.first!).toBeLessThan(r.readAt);
  }, 90_000);

  it('contrast: with LVSD_STAGED_START=0 the first connection comes after the file is read', async () => {
    const r = await start({ LVSD_STAGED_START: '0' });
    expect(r.early).toBe(false);
    expect(r.probing).toBe(false);
    expect(r.first).toBeDefined();
    expect(r.first!).toBeGreaterThanOrEqual(r.readAt);
  }, 90_000);
});

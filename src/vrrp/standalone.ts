/**
 * A pure-VRRP process for tests, the lab and benchmarks (the daemon's `lvsd -f` runs the same
 * VrrpService). Usage: node dist/src/vrrp/standalone.js CONFIG.json
 *   CONFIG.json: { "router_id": "lb1", "vrrp_instance": [ { ...same keys as [[vrrp_instance]] } ] }
 * stdout: one JSON line per event ({"ev":"transition",...}, {"ev":"status",...}, {"ev":"ready"}).
 * stdin lines: "vs NAME down|up" (track_virtual_server), "status", "reload PATH" (same format).
 * SIGTERM/SIGINT: graceful stop.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { vrrpInstanceSchema } from './schema.js';
import { VrrpService } from './service.js';

const fileSchema = z.strictObject({
  router_id: z.string().default('lvsd'),
  vrrp_instance: z.array(vrrpInstanceSchema).min(1),
});
const out = (o: Record<string, unknown>) =>
  process.stdout.write(JSON.stringify({ ...o, mono: performance.now(), wall: Date.now() }) + '\n');

/** Loads the file or exits 2 with each problem on one line. */
function load(path: string | undefined): z.output<typeof fileSchema> {
  if (!path) {
    process.stderr.write('usage: standalone.js CONFIG.json\n');
    process.exit(2);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    process.stderr.write(`${path}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const r = fileSchema.safeParse(raw);
  if (r.success) return r.data;
  for (const i of r.error.issues) process.stderr.write(`${path}: ${i.path.join('.')}: ${i.message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const cfg = load(process.argv[2]);
  const svc = new VrrpService({
    instances: cfg.vrrp_instance,
    routerId: cfg.router_id,
    thread: process.env.LVSD_VRRP_THREAD !== '0',
  });
  svc.onTransition((t) => out({ ev: 'transition', ...t }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await svc.stop();
    out({ ev: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await svc.start();
  out({ ev: 'ready' });
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, name, arg] = line.trim().split(/\s+/);
    if (cmd === 'vs' && name) svc.setVirtualServerDown(name, arg === 'down');
    if (cmd === 'status') out({ ev: 'status', status: svc.status() });
    if (cmd === 'reload' && name)
      svc.reload(load(name).vrrp_instance).then(
        () => out({ ev: 'reloaded' }),
        (e: Error) => out({ ev: 'reload-failed', error: e.message }),
      );
  });
  setInterval(() => undefined, 1 << 30);
}

main().catch((e: Error) => {
  process.stderr.write(`lvsd vrrp: ${e.message}\n`);
  process.exit(1);
});

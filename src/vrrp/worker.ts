/**
 * Entry of the VRRP worker thread: owns a VrrpRuntime (sockets, rtnetlink, timers) and the sync
 * controller of a [sync] section that follows its instances (src/sync/runtime-sync.ts) on this
 * thread's own event loop, and talks to backend.ts's WorkerBackend by messages. Status snapshots
 * are pushed after every change and every 250 ms so the main thread can answer synchronously.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ipvsSyncKernel, RuntimeSync } from '../sync/runtime-sync.js';
import { systemClock } from '../util/clock.js';
import { applyWithSync, type FromWorker, type ToWorker } from './backend.js';
import { makeRealtime } from './realtime.js';
import { openRtnlHost } from './rtnl.js';
import { VrrpRuntime } from './runtime.js';

const port = parentPort;
if (!port) throw new Error('src/vrrp/worker.js must run as a worker thread');

const post = (m: FromWorker) => port.postMessage(m);
const host = openRtnlHost();
const rt = new VrrpRuntime({
  host,
  onTransition: (t) => {
    post({ ev: 'transition', t });
    pushStatus();
  },
  onWarning: (msg, detail) => post({ ev: 'warning', msg, detail }),
});
const sync = new RuntimeSync(rt, ipvsSyncKernel(), systemClock, (level, msg, detail) =>
  post({ ev: level === 'warn' ? 'warning' : 'info', msg, detail }),
);
const pushStatus = () => post({ ev: 'status', status: rt.status(), sync: sync.status() });
const rtPrio = Number(workerData?.realtimePriority ?? 0);
if (rtPrio > 0) {
  const err = await makeRealtime(rtPrio);
  if (err) post({ ev: 'warning', msg: 'VRRP thread stays at normal scheduling priority', detail: { err } });
}
const ticker = setInterval(pushStatus, 250);

async function handle(m: ToWorker): Promise<void> {
  if (m.op === 'vs') return rt.setVirtualServerDown(m.name, m.below);
  if (m.op === 'script') return rt.setScript(m.instance, m.index, m.ok);
  try {
    if (m.op === 'start' || m.op === 'reload') await applyWithSync(rt, sync, m.op, m.instances, m.sync);
    else {
      await rt.stop();
      await sync.stop();
      clearInterval(ticker);
      host.close();
    }
    pushStatus();
    post({ ev: 'reply', id: m.id });
  } catch (e) {
    const err = e as Error & { code?: string };
    post({ ev: 'reply', id: m.id, error: { code: err.code, message: err.message } });
  }
}

port.on('message', (m: ToWorker) => void handle(m));

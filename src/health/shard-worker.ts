/**
 * Entry of a health shard thread (shards.ts starts N of them): runs a ShardCore — an unchanged
 * HealthEngine with the real checkers on this thread's own event loop — and talks to the main
 * thread's ShardedHealth by messages (shard-protocol.ts). Metrics are counted here and shipped as
 * deltas in the batches; prom-client is loaded only when the main thread keeps metrics. After a
 * stop the thread ends itself (process.exit ends only this thread), so exit handlers run: the
 * bundle's loader writes the code cache in one (scripts/bundle.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../util/clock.js';
import { createCheckers } from './registry.js';
import { ShardCore } from './shard-core.js';
import type { FromShard, ShardSetup, ToShard } from './shard-protocol.js';

const port = parentPort;
if (!port) throw new Error('src/health/shard-worker.js must run as a worker thread');
const setup = workerData as ShardSetup;

async function start(p: NonNullable<typeof parentPort>): Promise<void> {
  const metrics = setup.metrics
    ? new (await import('./metrics.js')).HealthMetrics(new (await import('prom-client')).Registry(), {
        perTarget: setup.perTarget,
      })
    : undefined;
  const core = new ShardCore({
    clock: systemClock,
    checkers: createCheckers({
      maxConcurrentScripts: setup.maxConcurrentScripts,
      tcpIdleSockets: setup.tcpIdleSockets,
    }),
    slackMs: setup.slackMs,
    fireBudgetMs: setup.fireBudgetMs,
    attachChunk: setup.attachChunk,
    metrics,
    batchMs: setup.batchMs,
    post: (m: FromShard) => p.postMessage(m),
  });
  // messages sent before this listener are queued by the port, not lost
  p.on('message', (m: ToShard) => {
    const done = core.handle(m);
    if (m.op === 'stop') void done.then(() => setImmediate(() => process.exit(0)));
  });
}

void start(port);

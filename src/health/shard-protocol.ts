/**
 * The messages between the main thread's ShardedHealth (shards.ts) and its shard threads
 * (shard-worker.ts), and the rule that assigns a probe to a shard. Types and one pure function.
 */
import type { ProbeRecord } from './state.js';
import type { HealthEvent, HealthTarget } from './engine.js';
import type { HealthMetricsDelta } from './metrics.js';
import type { StatusBatch } from './shard-batch.js';

/** What a shard is started with (workerData). */
export interface ShardSetup {
  /** This shard's index, for its log lines. */
  index: number;
  /** How often the shard sends its batch, in ms. */
  batchMs: number;
  /** Scheduler slack, fire budget and attach chunk of the shard's HealthEngine (compose.ts TUNING). */
  slackMs: number;
  fireBudgetMs: number;
  attachChunk: number;
  /** Keep metrics (and send their deltas); perTarget as HealthMetrics' option. */
  metrics: boolean;
  perTarget: boolean;
  /** Script checks that may run at once in this shard. */
  maxConcurrentScripts?: number;
  /** CheckerOptions.tcpIdleSockets of the shard's checkers. */
  tcpIdleSockets?: number;
}

/** A target as a shard keeps it: the main thread's number of its probe rides along. */
export type ShardTarget = HealthTarget & { num: number };

/**
 * New targets in columns (one entry per target in each array; `spec` indexes `specs`): 100,000
 * targets as objects cost the main thread ~0.6 s to build and copy, as columns a few tens of ms.
 */
export interface TargetColumns {
  ids: string[];
  addresses: string[];
  ports: number[];
  nums: number[];
  spec: number[];
  specs: HealthTarget['spec'][];
}

/** Messages main → shard. Requests with an `id` are answered by a reply with that id. */
export type ToShard =
  | { op: 'targets'; add: TargetColumns; remove: string[] }
  | { op: 'prepare'; id: number; targets: HealthTarget[] }
  | { op: 'attached'; id: number }
  | { op: 'check'; id: number; target: string }
  | { op: 'stop'; id: number };

/** The shard engine's counts (HealthEngine.stats()). */
export interface ShardStats {
  targets: number;
  probes: number;
  inFlight: number;
  schedulerLagP99Ms: number;
}

/** A log line of the shard's engine, written by the main thread's logger. */
export type ShardLog = [level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string];

/** Messages shard → main. */
export type FromShard =
  | {
      ev: 'batch';
      status?: StatusBatch;
      /** Verdict changes in the order the engine emitted them, each with its probe's number. */
      transitions: Array<{ num: number; ev: HealthEvent }>;
      logs: ShardLog[];
      metrics?: HealthMetricsDelta;
      stats: ShardStats;
    }
  | { ev: 'reply'; id: number; record?: ProbeRecord };

/**
 * The shard of a probe: FNV-1a of its probeKey() modulo the shard count. Stable (the same key always
 * lands on the same shard), so identical probes share one engine and a reload moves no probe whose
 * key did not change.
 */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

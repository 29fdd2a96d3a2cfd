/**
 * What connection sync reports (lvsctl status, /metrics): types only, so the pure status report
 * and its formatter can name them.
 */
import type { SyncDaemon } from '../ipvs/sync-daemon.js';

/** Connections by origin (persistence templates included, as the kernel lists them). */
export interface ConnCounts {
  total: number;
  synced: number;
  local: number;
}

/** Connection sync ([sync]): what runs in the kernel now and what this node holds. */
export interface SyncStatus {
  interface: string;
  syncId: number;
  /** VRRP instances followed; empty = standalone with `role`. */
  vrrpInstances: string[];
  role?: 'master' | 'backup';
  /** The daemons the kernel runs now (GET_DAEMON), or why they could not be read. */
  daemons: SyncDaemon[];
  daemonsError?: string;
  /** This namespace's IPVS connections by origin (SYNC: received by the backup daemon). */
  connections?: ConnCounts;
  /** Followed instances that will not preempt yet (startup_delay, or preempt_delay): until when (wall ms). */
  holds: Array<{ instance: string; until: number }>;
  /** The last refusal of a sync-daemon command, when the last attempt failed. */
  lastError?: string;
  /** Sysctls set against the section (see docs/config.md). */
  warnings: string[];
}

/** Types shared by the checker mappers (checker.ts, http-checker.ts). */
import type { KaNode } from './tree.js';

/** Timing and host settings a checker inherits from its real and virtual server (undefined = not set there). */
export interface Inherited {
  alpha?: boolean;
  retry?: number;
  connectTimeout?: number;
  /** Where that connect_timeout was written (for a finding when it exceeds the delay_loop). */
  connectTimeoutNode?: KaNode;
  delayLoop?: number;
  warmup?: number;
  delayBeforeRetry?: number;
  virtualhost?: string;
  /** The virtual server's delay_loop (MISC_CHECK's default timeout), keepalived default 60 s. */
  vsDelayLoop: number;
}

/** What a checker kind adds: its keyword handlers, and a last step after the block. */
export interface KindMapping {
  handlers: Record<string, (n: KaNode) => void>;
  /** Called after the block: false when keepalived would drop the checker. */
  finish(node: KaNode): boolean;
}

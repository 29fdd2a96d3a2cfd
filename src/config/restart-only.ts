/**
 * The [global] keys lvsd reads only when it starts: a reload leaves them as they were, and says so
 * (the reload result, the log, `lvsctl reload` and `lvsctl status` name them) until a restart.
 * Pure.
 */
import type { GlobalConfig } from './types.js';

/** Keys whose new value takes effect only at the next start. */
export const RESTART_ONLY_KEYS: readonly (keyof GlobalConfig)[] = [
  'router_id',
  'control_socket',
  'control_socket_group',
  'metrics_listen',
  'state_file',
];

/** The restart-only keys whose value in `next` differs from the running one, as "global.<key>". */
export function pendingRestart(running: GlobalConfig, next: GlobalConfig): string[] {
  return RESTART_ONLY_KEYS.filter((k) => JSON.stringify(running[k]) !== JSON.stringify(next[k])).map(
    (k) => `global.${k}`,
  );
}

/**
 * lvsd never runs with Node's inspector open: it holds CAP_NET_ADMIN/CAP_NET_RAW (or runs as root),
 * and anyone who can reach the inspector's port can run code with them.
 *  - SIGUSR1 opens the inspector on 127.0.0.1:9229 in a stock Node 20 process; a JavaScript listener
 *    for SIGUSR1 replaces that behaviour (Node's `--disable-sigusr1` exists only from 22.14), so one
 *    is installed here, before any other work, and never removed;
 *  - an inspector opened by `--inspect*` on the command line or in NODE_OPTIONS is closed, and
 *    `--inspect*` is taken out of NODE_OPTIONS so scripts and hooks lvsd starts do not inherit it;
 *  - `inspector.open` is replaced by a function that throws, so no code in the process can open it.
 */
import inspector from 'node:inspector';
import { syncBuiltinESMExports } from 'node:module';

let guarded = false;
let closedWarning: string | undefined;

/**
 * Installs the guard (idempotent). Returns a warning when an inspector was open when it was first
 * called (it is closed now; later calls return the same warning), else undefined. Never throws.
 */
export function guardInspector(): string | undefined {
  if (!guarded) {
    guarded = true;
    // Kept for the life of the process: removing the last SIGUSR1 listener would give the signal
    // back its default action (terminate).
    process.on('SIGUSR1', () => undefined);
    (inspector as { open: (...a: unknown[]) => unknown }).open = () => {
      throw new Error('lvsd does not open the inspector');
    };
    syncBuiltinESMExports();
    process.env.NODE_OPTIONS = withoutInspect(process.env.NODE_OPTIONS);
    if (process.env.NODE_OPTIONS === '') delete process.env.NODE_OPTIONS;
  }
  if (inspector.url() !== undefined) {
    inspector.close();
    closedWarning = 'the Node inspector was open (--inspect or NODE_OPTIONS); lvsd closed it and never reopens it';
  }
  return closedWarning;
}

/** NODE_OPTIONS without its `--inspect*` and `--debug*` options (pure). */
export function withoutInspect(opts: string | undefined): string | undefined {
  if (opts === undefined) return undefined;
  return opts
    .split(/\s+/)
    .filter((o) => o !== '' && !/^--(inspect|debug)(-[a-z]+)*(=.*)?$/.test(o))
    .join(' ');
}

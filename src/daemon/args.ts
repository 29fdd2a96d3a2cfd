/**
 * The daemon's command line: `lvsd -f FILE [--check | --plan] [--dataplane kernel|memory] [--log-level LEVEL]`
 *   (no flag)  run in the foreground, JSON logs on stdout (systemd Type=simple)
 *   --check    validate the config (and probe IPVS/capabilities), print every problem; exit 0 or 2
 *   --plan     print the IPVS operations a start would apply to the current table; change nothing
 * Pure: argv in, `DaemonArgs` out or a DaemonError('EUSAGE') naming the problem.
 */
import { quote } from '../util/quote.js';
import { DaemonError } from './errors.js';

/** Which dataplane the daemon drives. */
export type DataplaneKind = 'kernel' | 'memory';

/** Parsed daemon command line. */
export interface DaemonArgs {
  file: string;
  mode: 'run' | 'check' | 'plan';
  dataplane: DataplaneKind;
  logLevel?: string;
}

/** Usage text printed on bad arguments. */
export const USAGE = `Usage: lvsd -f FILE [--check | --plan] [--dataplane kernel|memory] [--log-level LEVEL]
  -f, --config FILE        the TOML config
  -t, --check              validate FILE, print every problem, exit 0 (valid) or 2 (invalid), like nginx -t
  --plan                   print the IPVS operations a start would apply to the current table; changes nothing
  --dataplane kernel|memory  kernel IPVS (default) or an in-memory table (no root, no IPVS needed)
  --log-level LEVEL        override global.log_level (trace debug info warn error fatal)
`;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Parses argv; throws DaemonError('EUSAGE') naming the problem. */
export function parseDaemonArgs(argv: string[]): DaemonArgs {
  const a: Partial<DaemonArgs> & { mode: DaemonArgs['mode']; dataplane: DataplaneKind } = {
    mode: 'run',
    dataplane: 'kernel',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) throw new DaemonError('EUSAGE', `${arg} needs a value`);
      return v;
    };
    if (arg === '-f' || arg === '--config') a.file = value();
    else if (arg === '-t' || arg === '--check') a.mode = setMode(a.mode, 'check');
    else if (arg === '--plan') a.mode = setMode(a.mode, 'plan');
    else if (arg === '--dataplane') a.dataplane = dataplaneOf(value());
    else if (arg === '--log-level') a.logLevel = levelOf(value());
    else throw new DaemonError('EUSAGE', `unknown argument ${quote(arg)}`);
  }
  if (!a.file) throw new DaemonError('EUSAGE', 'missing -f FILE');
  return a as DaemonArgs;
}

function setMode(cur: DaemonArgs['mode'], next: DaemonArgs['mode']): DaemonArgs['mode'] {
  if (cur !== 'run' && cur !== next) throw new DaemonError('EUSAGE', '--check and --plan exclude each other');
  return next;
}

function dataplaneOf(v: string): DataplaneKind {
  if (v !== 'kernel' && v !== 'memory')
    throw new DaemonError('EUSAGE', `--dataplane must be kernel or memory, got ${quote(v)}`);
  return v;
}

function levelOf(v: string): string {
  if (!LEVELS.includes(v))
    throw new DaemonError('EUSAGE', `--log-level must be one of ${LEVELS.join(' ')}, got ${quote(v)}`);
  return v;
}

/**
 * lvsctl — talks to a running lvsd over its control socket (see src/control/protocol.ts).
 *   lvsctl [-s SOCKET] status [--json] | drain VS RS | enable VS RS | reload | maintenance on|off
 * Exit codes: 0 ok, 1 the daemon refused or is unreachable, 2 bad usage.
 */
import { request } from '../control/client.js';
import { ControlError, type ControlRequest } from '../control/protocol.js';
import { formatStatus } from '../control/format.js';
import type { StatusReport } from '../control/status-report.js';

/** Default control socket path (global.control_socket's default). */
export const DEFAULT_SOCKET = '/run/lvsd/lvsd.sock';

const USAGE = `Usage: lvsctl [-s SOCKET] COMMAND
  status [--json]     services, real servers, weights (configured/desired/kernel), health and why, IPVS stats, VRRP
  drain VS RS         set real server RS ("addr:port") of virtual server VS to weight 0 (kept across reloads and restarts)
  enable VS RS        undo a drain
  reload              re-read the config file (like SIGHUP); prints the change summary or every problem
  maintenance on|off  the whole director: withdraw every announced VIP ([announce]) / announce again after the hold-down
Options:
  -s, --socket PATH   control socket (default ${DEFAULT_SOCKET}, or $LVSD_SOCKET)
`;

interface Parsed {
  socket: string;
  req: ControlRequest;
  json: boolean;
}

/** Parses lvsctl argv; throws ControlError('EUSAGE') naming the problem. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed {
  let socket = env.LVSD_SOCKET || DEFAULT_SOCKET;
  let json = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-s' || a === '--socket') {
      if (!argv[i + 1]) throw new ControlError('EUSAGE', `${a} needs a path`);
      socket = argv[++i];
    } else if (a === '--json') json = true;
    else if (a.startsWith('-')) throw new ControlError('EUSAGE', `unknown option ${a}`);
    else rest.push(a);
  }
  return { socket, json, req: toRequest(rest, json) };
}

function toRequest(rest: string[], json: boolean): ControlRequest {
  const [cmd, ...args] = rest;
  const want = (n: number) => {
    if (args.length !== n)
      throw new ControlError(
        'EUSAGE',
        `${cmd} takes ${n === 0 ? 'no arguments' : 'VS RS'}, got ${args.length} argument(s)`,
      );
  };
  if (json && cmd !== 'status') throw new ControlError('EUSAGE', '--json applies only to status');
  switch (cmd) {
    case 'status':
    case 'reload':
      want(0);
      return { cmd };
    case 'drain':
    case 'enable':
      want(2);
      return { cmd, vs: args[0], rs: args[1] };
    case 'maintenance':
      if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off'))
        throw new ControlError('EUSAGE', 'maintenance takes "on" or "off"');
      return { cmd, on: args[0] === 'on' };
    case undefined:
      throw new ControlError('EUSAGE', 'missing command');
    default:
      throw new ControlError('EUSAGE', `unknown command ${JSON.stringify(cmd)}`);
  }
}

/** Entry point: returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) return (void process.stdout.write(USAGE), 0);
  let p: Parsed;
  try {
    p = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`lvsctl: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const res = await request(p.socket, p.req);
    if (!res.ok) {
      process.stderr.write(`lvsctl: ${res.error.message} (${res.error.code})\n`);
      return 1;
    }
    process.stdout.write(render(p, res.result));
    return 0;
  } catch (e) {
    process.stderr.write(`lvsctl: ${(e as Error).message}\n`);
    return 1;
  }
}

function render(p: Parsed, result: unknown): string {
  if (p.json) return JSON.stringify(result, null, 2) + '\n';
  if (p.req.cmd === 'status') return formatStatus(result as StatusReport);
  const r = result as { summary?: string; changed?: boolean; generation?: number; pendingRestart?: string[] };
  if (p.req.cmd === 'reload')
    return `reloaded (generation ${r.generation}): ${r.summary}\n${r.pendingRestart?.length ? `not applied until lvsd restarts: ${r.pendingRestart.join(', ')}\n` : ''}`;
  if (p.req.cmd === 'maintenance')
    return `maintenance ${p.req.on ? 'on: every VIP withdrawn' : 'off: VIPs announced again after the hold-down'}${r.changed ? '' : ' (no change: it already was)'}\n`;
  return `${p.req.cmd === 'drain' ? 'drained' : 'enabled'} ${p.req.vs} ${p.req.rs}${r.changed ? '' : ' (no change: it already was)'}\n`;
}

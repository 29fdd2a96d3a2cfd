/**
 * lvsctl — talks to a running lvsd over its control socket (see src/control/protocol.ts).
 *   lvsctl [-s SOCKET] status [--json] | show [VS [RS]] [filters] | state VS [RS] ready|drain|maint
 *     | weight VS [RS] N|N%|reset | check VS [RS] | drain VS RS | enable VS RS | reload | maintenance on|off
 * Exit codes: 0 ok, 1 the daemon refused or is unreachable, 2 bad usage.
 */
import { request } from '../control/client.js';
import { ControlError, requestSchema, type ControlRequest } from '../control/protocol.js';
import { formatCheckResult, formatOperatorResult, formatStatus } from '../control/format.js';
import { plainMessage } from '../util/zod-message.js';
import type { StatusReport } from '../control/status-report.js';

/** Default control socket path (global.control_socket's default). */
export const DEFAULT_SOCKET = '/run/lvsd/lvsd.sock';

const USAGE = `Usage: lvsctl [-s SOCKET] COMMAND
  status [--json]     services, real servers, weights (configured/desired/kernel), health and why, IPVS stats, VRRP
  show [VS [RS]] [--health up|down|unchecked] [--state ready|drain|maint] [--problems] [--json]
                      the status of the matching virtual and real servers only
  state VS [RS] ready|drain|maint
                      operator state of real server RS ("addr:port") of virtual server VS, or of the whole VS:
                      drain = weight 0, kept in the table; maint = removed (or weight 0, virtual_server.maintenance);
                      ready = back to what the health check says, through slow start
  weight VS [RS] N|N%|reset
                      weight override (0-65535, or a percentage of the configured weight); reset = configured
  check VS [RS]       probe now instead of at the next interval
  drain VS RS         the same as: state VS RS drain
  enable VS RS        the same as: state VS RS ready
  reload              re-read the config file (like SIGHUP); prints the change summary or every problem
  maintenance on|off  the whole director: withdraw every announced VIP ([announce]) / announce again after the hold-down
Overrides survive reloads and restarts (global.state_file). Every change prints what it did to the kernel.
Changes need the admin level: root or lvsd's own user; others the socket lets in can only read.
Options:
  -s, --socket PATH   control socket (default ${DEFAULT_SOCKET}, or $LVSD_SOCKET)
  --json              print the daemon's answer as JSON
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
  const filters: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (!argv[i + 1] || argv[i + 1].startsWith('-')) throw new ControlError('EUSAGE', `${a} needs a value`);
      return argv[++i];
    };
    if (a === '-s' || a === '--socket') socket = value();
    else if (a === '--json') json = true;
    else if (a === '--health' || a === '--state') filters[a.slice(2)] = value();
    else if (a === '--problems') filters.problems = true;
    else if (a.startsWith('-') && !/^-\d/.test(a)) throw new ControlError('EUSAGE', `unknown option ${a}`);
    else rest.push(a);
  }
  if (Object.keys(filters).length && rest[0] !== 'show')
    throw new ControlError('EUSAGE', '--health, --state and --problems apply only to show');
  const req = toRequest(rest, filters);
  // the daemon checks the values (one schema for every client); say it here first, in lvsctl's words
  const checked = requestSchema.safeParse(req);
  if (!checked.success)
    throw new ControlError(
      'EUSAGE',
      checked.error.issues
        .map((i) => {
          const value = (req as Record<PropertyKey, unknown>)[i.path[0]!];
          return `${i.path.join('.') || rest[0]}: ${plainMessage(i, value) ?? i.message}`;
        })
        .join('; '),
    );
  return { socket, json, req: checked.data };
}

function toRequest(rest: string[], filters: Record<string, string | boolean>): ControlRequest {
  const [cmd, ...args] = rest;
  const count = (min: number, max: number, what: string) => {
    if (args.length < min || args.length > max)
      throw new ControlError('EUSAGE', `${cmd} takes ${what}, got ${args.length} argument(s)`);
  };
  switch (cmd) {
    case 'status':
    case 'reload':
      count(0, 0, 'no arguments');
      return { cmd };
    case 'show':
      count(0, 2, '[VS [RS]]');
      return {
        cmd,
        ...(args[0] ? { vs: args[0] } : {}),
        ...(args[1] ? { rs: args[1] } : {}),
        ...filters,
      } as ControlRequest;
    case 'state':
      count(2, 3, 'VS [RS] ready|drain|maint');
      return { cmd, ...scopeOf(args.slice(0, -1)), state: args[args.length - 1] } as ControlRequest;
    case 'weight': {
      count(2, 3, 'VS [RS] N|N%|reset');
      const w = args[args.length - 1];
      return { cmd, ...scopeOf(args.slice(0, -1)), weight: /^\d+$/.test(w) ? Number(w) : w } as ControlRequest;
    }
    case 'check':
      count(1, 2, 'VS [RS]');
      return { cmd, ...scopeOf(args) } as ControlRequest;
    case 'drain':
    case 'enable':
      count(2, 2, 'VS RS');
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

function scopeOf(args: string[]): { vs: string; rs?: string } {
  return { vs: args[0], ...(args[1] !== undefined ? { rs: args[1] } : {}) };
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
  switch (p.req.cmd) {
    case 'status':
    case 'show':
      return formatStatus(result as StatusReport);
    case 'reload': {
      const r = result as { summary?: string; generation?: number; pendingRestart?: string[] };
      const pending = r.pendingRestart?.length
        ? `not applied until lvsd restarts: ${r.pendingRestart.join(', ')}\n`
        : '';
      return `reloaded (generation ${r.generation}): ${r.summary}\n${pending}`;
    }
    case 'maintenance': {
      const r = result as { changed?: boolean };
      return `maintenance ${p.req.on ? 'on: every VIP withdrawn' : 'off: VIPs announced again after the hold-down'}${r.changed ? '' : ' (no change: it already was)'}\n`;
    }
    case 'check':
      return formatCheckResult(result as Parameters<typeof formatCheckResult>[0]);
    default:
      return formatOperatorResult(result as Parameters<typeof formatOperatorResult>[0]);
  }
}

/**
 * `lvsd ipvs daemon start|stop|list`: the kernel's connection-sync daemons, with ipvsadm's option
 * names so its users need nothing new:
 *   start master|backup --mcast-interface IF [--syncid N] [--sync-maxlen N] [--mcast-group ADDR]
 *                       [--mcast-port N] [--mcast-ttl N]        (options also as --opt=value)
 *   stop master|backup
 *   list [--json]                                   `ipvsadm -L --daemon` text, or JSON
 * Unlike ipvsadm, the interface is required (ipvsadm silently picks eth0) and values the kernel
 * would take as "default" (0) or change are refused with the reason; nothing is sent then.
 */
import { IpvsError } from '../ipvs/errors.js';
import { formatDaemons, syncDaemonProblems, type SyncDaemon, type SyncState } from '../ipvs/sync-daemon.js';
import { flags, withClient, type CliIo } from './ipvs-io.js';

/** ipvsadm option → SyncDaemon field; every one takes a value. */
const OPTIONS: Record<string, 'interface' | 'syncId' | 'maxlen' | 'group' | 'port' | 'ttl'> = {
  '--mcast-interface': 'interface',
  '--syncid': 'syncId',
  '--sync-maxlen': 'maxlen',
  '--mcast-group': 'group',
  '--mcast-port': 'port',
  '--mcast-ttl': 'ttl',
};

function usage(msg: string): never {
  throw new IpvsError('IPVS_USAGE', msg);
}

function state(word: string | undefined, cmd: string): SyncState {
  if (word === 'master' || word === 'backup') return word;
  return usage(`daemon ${cmd} needs "master" or "backup"${word === undefined ? '' : `, not "${word}"`}`);
}

/** Parses the options of `daemon start` into a daemon (throws IpvsError 'IPVS_USAGE' naming each problem). */
export function parseStart(args: string[]): SyncDaemon {
  const d: Partial<SyncDaemon> & Record<string, unknown> = { state: state(args[0], 'start'), syncId: 0 };
  for (let i = 1; i < args.length; i++) {
    const eq = args[i].indexOf('=');
    const name = eq > 0 ? args[i].slice(0, eq) : args[i];
    const field = OPTIONS[name] ?? usage(`unknown option "${name}"`);
    const value = eq > 0 ? args[i].slice(eq + 1) : args[++i];
    if (value === undefined) usage(`option ${name} needs a value`);
    if (field === 'interface' || field === 'group') d[field] = value;
    else if (/^\d+$/.test(value)) d[field] = Number(value);
    else usage(`option ${name} needs a number, got "${value}"`);
  }
  const problems = syncDaemonProblems(d, [d.state!]);
  if (problems.length > 0) usage(problems.join('; '));
  return d as SyncDaemon;
}

/** Runs `lvsd ipvs daemon <args>`; resolves to the exit code (errors are thrown to the caller's handler). */
export async function daemon(args: string[], io: CliIo, help: string): Promise<number> {
  const [cmd, ...rest] = args;
  if (cmd === 'start') {
    const d = parseStart(rest);
    await withClient(io, (c) => c.startDaemon(d));
    return 0;
  }
  if (cmd === 'stop') {
    const s = state(rest[0], 'stop');
    flags(rest.slice(1), []);
    await withClient(io, (c) => c.stopDaemon(s));
    return 0;
  }
  if (cmd === 'list') {
    const f = flags(rest, ['--json', '-n', '--numeric']);
    const list = await withClient(io, (c) => c.listDaemons());
    io.out(f.has('--json') ? JSON.stringify(list, null, 2) + '\n' : formatDaemons(list));
    return 0;
  }
  io.err(`lvsd ipvs daemon: ${cmd === undefined ? 'a command is needed' : `unknown command "${cmd}"`}\n${help}`);
  return 2;
}

/**
 * `lvsd ipvs ...` — the kernel's IPVS table for people who know ipvsadm:
 *   list [--json] [--stats]   like `ipvsadm -Ln` / `-Ln --stats`, or JSON
 *   save                      byte-identical to `ipvsadm -S -n`
 *   restore [--per-send N]    `ipvsadm -R` rules on stdin: every line validated first, then batched
 *   daemon start|stop|list    the connection-sync daemons, like ipvsadm --start-daemon,
 *                             --stop-daemon and -L --daemon (src/cli/ipvs-daemon.ts)
 * Exit codes: 0 ok, 1 failure (no IPVS, permission, kernel refusal, bad rules), 2 usage.
 * Errors print one line (no stack trace) to stderr.
 */
import { IpvsClient } from '../ipvs/client.js';
import { IpvsError } from '../ipvs/errors.js';
import { flags, withClient, type CliIo } from './ipvs-io.js';

export type { CliIo } from './ipvs-io.js';

// Each subcommand imports what only it needs (format.js for list/save, restore.js and the rules
// parser for restore): module loading is most of a command's cost inside user-mode Linux.

const USAGE = `Usage:
  lvsd ipvs list [--json] [--stats]   show the kernel's IPVS table (like ipvsadm -Ln)
  lvsd ipvs save                      print the table as ipvsadm -S -n does
  lvsd ipvs restore [--per-send N]    apply ipvsadm -R rules read on stdin, in batches
  lvsd ipvs daemon start master|backup --mcast-interface IF [--syncid N] [--sync-maxlen N]
                     [--mcast-group ADDR] [--mcast-port N] [--mcast-ttl N]
                                      start a connection-sync daemon (like ipvsadm --start-daemon)
  lvsd ipvs daemon stop master|backup stop one (like ipvsadm --stop-daemon)
  lvsd ipvs daemon list [--json]      the running sync daemons (like ipvsadm -L --daemon)
`;

/** Runs `lvsd ipvs <args>`; resolves to the exit code and never throws. */
export async function run(args: string[], io: CliIo = processIo()): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === 'list') return await list(rest, io);
    if (cmd === 'save') return await save(rest, io);
    if (cmd === 'restore') return await restore(rest, io);
    if (cmd === 'daemon') return await (await import('./ipvs-daemon.js')).daemon(rest, io, USAGE);
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.out(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    io.err(`lvsd ipvs: unknown command "${cmd}"\n${USAGE}`);
    return 2;
  } catch (e) {
    io.err(`lvsd ipvs ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function processIo(): CliIo {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    stdin: readStdin,
    open: () => IpvsClient.open(),
  };
}

/**
 * All of stdin as UTF-8. A file or a blocking pipe is read with one readFileSync (no stream
 * machinery to load); a non-blocking stdin (EAGAIN) falls back to the process.stdin stream.
 */
async function readStdin(): Promise<string> {
  try {
    return process.getBuiltinModule('node:fs').readFileSync(0, 'utf8'); // not an ES import of node:fs: see src/main.ts
  } catch (e) {
    if ((e as { code?: string }).code !== 'EAGAIN') throw e;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function list(rest: string[], io: CliIo): Promise<number> {
  if (rest.includes('--daemon'))
    return (await import('./ipvs-daemon.js')).daemon(['list', ...rest.filter((a) => a !== '--daemon')], io, USAGE);
  const f = flags(rest, ['--json', '--stats', '-n', '--numeric']);
  const stats = f.has('--stats') || f.has('--json');
  const { formatJson, formatList } = await import('../ipvs/format.js');
  const [info, table] = await withClient(io, async (c) => [await c.info(), await c.readTable({ stats })] as const);
  io.out(f.has('--json') ? formatJson(info, table) + '\n' : formatList(table, info, { stats: f.has('--stats') }));
  return 0;
}

async function save(rest: string[], io: CliIo): Promise<number> {
  flags(rest, ['-n', '--numeric']);
  const { formatSave } = await import('../ipvs/format.js');
  io.out(formatSave(await withClient(io, (c) => c.readTable({ stats: false }))));
  return 0;
}

async function restore(rest: string[], io: CliIo): Promise<number> {
  let perSend: number | undefined;
  if (rest[0] === '--per-send') {
    perSend = Number(rest[1]);
    if (!Number.isInteger(perSend) || perSend < 1)
      throw new IpvsError('IPVS_USAGE', `--per-send needs a positive integer, got "${rest[1]}"`);
    rest = rest.slice(2);
  }
  flags(rest, ['-n', '--numeric']);
  const { applyRules, formatReport, validateRules } = await import('../ipvs/restore.js');
  const { rules, errors } = validateRules(await io.stdin());
  if (errors.length > 0) {
    io.err(
      errors.map((e) => `lvsd ipvs restore: ${e.message}\n`).join('') +
        `lvsd ipvs restore: ${errors.length} bad line(s); nothing was applied\n`,
    );
    return 1;
  }
  const report = await withClient(io, (c) => applyRules(c, rules, { perSend }));
  io.err(formatReport(report).replace(/^(?=.)/gm, 'lvsd ipvs restore: '));
  return report.failed.length === 0 ? 0 : 1;
}

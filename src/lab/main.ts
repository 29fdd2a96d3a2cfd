/**
 * `lab/run` (host side): boots one user-mode Linux guest (real IPVS), builds the lab's topology in
 * it, plays the story (src/lab/story.ts) and streams its progress lines here as they happen.
 * Exit code: 0 every step behaved as expected, 1 a step failed or the lab could not run,
 * 2 bad arguments, 130 interrupted (the guest and everything it started are gone by then).
 *
 * Isolation: each run has its own umid (lvsd-lab-<pid>-<n>) and its own temp dirs, and every
 * namespace lives inside its guest kernel, so two labs can run side by side without meeting.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGuests, relayScript, relayShell, tailFile } from './hostio.js';
import type { Summary } from './summary.js';
import { topologySetup } from './topology.js';
import { runUml, type UmlResult } from './uml.js';
import { runEcmpLab } from './ecmp/lab.js';

const USAGE = `usage: lab/run [--short] [--keep] [--ecmp]
  --short   a quicker story (for CI); same steps and checks
  --ecmp    the ECMP story instead: 3 directors behind a BGP router, 300 long-lived flows, director 2
            leaving and returning (gracefully, then by a crash); with --short, no wrr contrast
  --keep    after the story, stay in the lab: a shell prompt in the client namespace
            (try: lvsctl status, ip netns exec lb2 ipvsadm -Ln, curl http://10.99.0.50/; "exit" ends it)`;

/** Parsed command line. */
export interface LabArgs {
  short: boolean;
  keep: boolean;
  help: boolean;
  ecmp: boolean;
}

/** Parses lab/run's arguments; throws an Error naming an unknown argument. */
export function parseLabArgs(argv: string[]): LabArgs {
  const a: LabArgs = { short: false, keep: false, help: false, ecmp: false };
  for (const arg of argv) {
    if (arg === '--short') a.short = true;
    else if (arg === '--keep') a.keep = true;
    else if (arg === '--ecmp') a.ecmp = true;
    else if (arg === '--help' || arg === '-h') a.help = true;
    else throw new Error(`unknown argument "${arg}"`);
  }
  return a;
}

/** The sh body the guest runs: topology, story, then (with --keep) the command relay. */
export function guestScript(keep: boolean): string {
  return [
    topologySetup(),
    'node "$LVSD_ROOT/dist/src/lab/story.js"',
    'rc=$?',
    keep ? relayScript() : '',
    'exit $rc',
  ].join('\n');
}

function readSummary(dir: string): Summary | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

function explainNoSummary(r: UmlResult): void {
  process.stdout.write('The lab ended without a summary. Last lines of the guest:\n');
  const text = (r.log || r.console).trimEnd().split('\n').slice(-25).join('\n');
  process.stdout.write(text + '\n');
  if (r.timedOut) process.stdout.write('(the guest hit its time limit and was killed)\n');
}

/** A failed lab leaves its guest logs (console, lvsd, nginx, client, configs) for a look; says where. */
function keepLogsOnFailure(dir: string, console: string): void {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'console.txt'), console);
  const kept = mkdtempSync(join(tmpdir(), 'lvsd-lab-logs-'));
  renameSync(join(dir, 'logs'), join(kept, 'logs'));
  process.stdout.write(`The guest's logs (console, lvsd, nginx, client, configs) are kept in ${kept}/logs\n`);
}

async function keepAlive(dir: string): Promise<void> {
  while (!existsSync(join(dir, 'cmd', 'ready'))) await new Promise((r) => setTimeout(r, 200));
  await relayShell(dir, [
    '',
    'The lab keeps running. Commands run inside the client namespace of the guest (no job control); "exit" stops the lab.',
    '  lvsctl status            (lb2, now the VRRP master; lb1 is "powered off": lvsctl -s /run/lvsd/lb1.sock ...)',
    '  ip netns exec lb2 ipvsadm -Ln --stats      curl -s http://10.99.0.50/      curl -s http://10.99.0.50:8080/',
  ]);
}

/** After the guest ended: explain a missing summary, keep logs of a failure, clean up, exit code. */
function finish(result: UmlResult, dir: string, interrupted: boolean): number {
  const summary = readSummary(dir);
  // A guest that could not run the story gets its one-line reason, not a kernel stack dump.
  if (!interrupted && result.failure) process.stdout.write(`lab: ${result.failure}\n`);
  else if (!summary && !interrupted) explainNoSummary(result);
  if (!interrupted && !(summary?.ok && result.ok)) keepLogsOnFailure(dir, result.console);
  result.cleanup();
  if (interrupted) return 130;
  return summary?.ok && result.ok ? 0 : 1;
}

/** Runs the lab; resolves with the exit code. */
export async function runLab(argv: string[]): Promise<number> {
  let args: LabArgs;
  try {
    args = parseLabArgs(argv);
  } catch (e) {
    process.stderr.write(`lab: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.ecmp) return runEcmpLab(args.short);
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-lab-'));
  let interrupted = false;
  const onSignal = (): void => {
    if (!interrupted) process.stdout.write('\nlab: interrupted, stopping the guest\n');
    interrupted = true;
    killGuests(`lvsd-lab-${process.pid}-`);
  };
  // A signal that lands while the guest is still being spawned finds nothing to kill: retry.
  const reaper = setInterval(() => interrupted && killGuests(`lvsd-lab-${process.pid}-`), 500);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.write(
    `lvsd lab: booting user-mode Linux (real IPVS) with 2 load balancers, 3 nginx backends and a client${args.short ? ' (short story)' : ''}\n`,
  );
  const tail = tailFile(join(dir, 'progress.log'), (t) => process.stdout.write(t));
  try {
    const env = { LAB_DIR: dir, LAB_SHORT: args.short ? '1' : '0', LAB_KEEP: args.keep ? '1' : '0' };
    const guest = runUml({
      name: 'lab',
      script: guestScript(args.keep),
      timeoutMs: args.keep ? 24 * 3600_000 : 15 * 60_000,
      mem: '1G',
      env,
    });
    if (args.keep) void keepAlive(dir).catch(() => undefined);
    const result = await guest;
    tail.stop();
    return finish(result, dir, interrupted);
  } finally {
    clearInterval(reaper);
    tail.stop();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1]?.endsWith('/lab/main.js')) {
  runLab(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`lab: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}

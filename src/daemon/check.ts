/**
 * `lvsd --check` and `lvsd --plan`: the two one-shot modes.
 *   check: every config problem on stderr (exit 2), then what cannot work on this host (unbindable
 *          addresses, missing or non-executable programs, unreadable files: check-env.ts; exit 2),
 *          or "configuration is valid" on stdout (exit 0) with warnings about the environment (IPVS
 *          missing, CAP_NET_ADMIN / CAP_NET_RAW not effective, a metrics port in use now) on stderr,
 *          as `nginx -t` does: stdout carries only the verdict.
 *   plan:  reads the current table and prints, one per line, the IPVS operations a start would apply
 *          (formatOp, ipvsadm-like); nothing is written. Health is assumed up (no probe has run)
 *          except for real servers drained in the state file.
 */
import { readFileSync } from 'node:fs';
import { formatProblems, loadConfigFile } from '../config/load.js';
import type { ConfigProblem } from '../config/types.js';
import { formatOp } from '../ipvs/format.js';
import { plan as planTable } from '../plan/desired.js';
import { diffTables } from '../plan/diff.js';
import type { DaemonArgs } from './args.js';
import { checkEnvironment } from './check-env.js';
import { openDataplane } from './compose.js';
import { Overrides } from './overrides.js';
import { syncWarnings } from './sync-service.js';
import { usesCheck } from './targets.js';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** Effective capability bits of this process, from /proc/self/status (undefined if unreadable). */
export function effectiveCaps(status?: string): bigint | undefined {
  try {
    const text = status ?? readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
    return m ? BigInt('0x' + m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Warnings about missing capabilities for what the config uses. */
export function capabilityWarnings(caps: bigint | undefined, needRaw: boolean, needAdmin: boolean): string[] {
  if (caps === undefined) return [];
  const has = (bit: number) => (caps & (1n << BigInt(bit))) !== 0n;
  const out: string[] = [];
  if (needAdmin && !has(CAP_NET_ADMIN))
    out.push('CAP_NET_ADMIN is not effective: lvsd cannot change IPVS or addresses');
  if (needRaw && !has(CAP_NET_RAW)) out.push('CAP_NET_RAW is not effective: VRRP and raw ICMP checks will fail');
  return out;
}

/**
 * `lvsd -f FILE --check`; returns the exit code. The file's problems first; a valid file is then
 * checked against this host (check-env.ts): its errors fail the check like the file's.
 */
export async function check(args: DaemonArgs): Promise<number> {
  const loaded = await loadConfigFile(args.file);
  const failed = (problems: ConfigProblem[]): number => {
    process.stderr.write(formatProblems(args.file, problems) + '\n');
    process.stderr.write(`lvsd: configuration file ${args.file} test failed: ${problems.length} problem(s)\n`);
    return 2;
  };
  if (!loaded.ok) return failed(loaded.problems);
  const c = loaded.config;
  const found = await checkEnvironment(c);
  const errors = found.filter((f) => f.severity === 'error');
  if (errors.length) return failed(errors);
  process.stdout.write(`lvsd: configuration file ${args.file} is valid\n`);
  for (const w of found) process.stderr.write(`lvsd: warning: ${w.path}: ${w.message}\n`);
  const needIpvs = c.virtual_server.length > 0;
  const needRaw = c.vrrp_instance.length > 0 || usesCheck(c, 'icmp');
  for (const warn of capabilityWarnings(effectiveCaps(), needRaw, needIpvs || needRaw))
    process.stderr.write(`lvsd: warning: ${warn}\n`);
  if (c.sync) for (const warn of syncWarnings(c, c.sync)) process.stderr.write(`lvsd: warning: sync: ${warn}\n`);
  if (needIpvs && args.dataplane === 'kernel') {
    try {
      await (await openDataplane('kernel')).close();
    } catch (e) {
      process.stderr.write(`lvsd: warning: ${(e as Error).message}\n`);
    }
  }
  return 0;
}

/** `lvsd -f FILE --plan`; returns the exit code. */
export async function plan(args: DaemonArgs): Promise<number> {
  const loaded = await loadConfigFile(args.file);
  if (!loaded.ok) {
    process.stderr.write(formatProblems(args.file, loaded.problems) + '\n');
    return 2;
  }
  const c = loaded.config;
  let dataplane;
  try {
    dataplane = await openDataplane(args.dataplane);
  } catch (e) {
    process.stderr.write(`lvsd: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const actual = await dataplane.read();
    const overrides = new Overrides(c.global.state_file || undefined);
    overrides.load();
    const input = { config: c, health: () => ({ up: true }), admin: overrides, now: 0, actual };
    const ecmp = new Set(c.virtual_server.filter((v) => v.ecmp).map((v) => v.key));
    const ops = diffTables(
      actual,
      planTable(input).table,
      new Set(c.virtual_server.map((v) => v.key)),
      undefined,
      ecmp,
    );
    process.stdout.write(
      `# lvsd --plan ${args.file}: ${ops.length} operation(s) against the ${args.dataplane} table (health assumed up)\n`,
    );
    for (const op of ops) process.stdout.write(formatOp(op) + '\n');
    return 0;
  } finally {
    await dataplane.close();
  }
}

/**
 * `lvsd import-keepalived FILE [-o OUT.toml] [-i CONFIG_ID]`: reads a keepalived configuration and
 * writes the lvsd TOML (stdout, or OUT), the findings on stderr (one per line: FILE:LINE: KEYWORD:
 * why; instead: what to do). Exit codes: 0 all mapped, 3 written with findings, 2 the input cannot
 * be read or bad arguments, 1 the output cannot be written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { globSync } from 'tinyglobby';
import { formatFinding } from '../keepalived/findings.js';
import { importKeepalived } from '../keepalived/import.js';
import type { SourceFs } from '../keepalived/source.js';

/** Usage text printed on bad arguments. */
export const USAGE = `Usage: lvsd import-keepalived FILE [-o OUT.toml] [-i CONFIG_ID]
  FILE              keepalived.conf (includes are followed like keepalived does)
  -o, --output OUT  write the lvsd TOML here (default: stdout)
  -i, --config-id ID  keepalived's config id for @ID lines (default: the host name up to the first dot, like keepalived)
Exit: 0 everything mapped, 3 written with findings (on stderr), 2 the input cannot be read, 1 OUT cannot be written.
`;

interface Args {
  file: string;
  out?: string;
  configId: string;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '-o' || arg === '--output') a.out = value();
    else if (arg === '-i' || arg === '--config-id') a.configId = value();
    else if (arg.startsWith('-') && arg !== '-') throw new Error(`unknown argument ${JSON.stringify(arg)}`);
    else if (a.file === undefined) a.file = arg;
    else throw new Error(`one FILE only (got ${JSON.stringify(a.file)} and ${JSON.stringify(arg)})`);
  }
  if (a.file === undefined) throw new Error('missing FILE');
  return { file: a.file, out: a.out, configId: a.configId ?? hostname().split('.')[0]! };
}

/** The real filesystem: files as UTF-8, globs with tinyglobby, sorted like glob(3). */
export const realFs: SourceFs = {
  readFile: (p) => readFileSync(p, 'utf8'),
  glob: (pattern) => {
    if (!/[*?[{]/.test(pattern)) return existsSync(pattern) ? [pattern] : [];
    return globSync(pattern, { absolute: true, onlyFiles: true, expandDirectories: false, dot: false }).sort();
  },
};

/** Entry point used by src/main.ts; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`lvsd import-keepalived: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const r = importKeepalived(args.file, { fs: realFs, configId: args.configId, env: process.env });
  for (const f of r.findings) process.stderr.write(`${formatFinding(f)}\n`);
  if (r.exitCode === 2) {
    process.stderr.write(`lvsd import-keepalived: ${r.error}\n`);
    return 2;
  }
  try {
    if (args.out) writeFileSync(args.out, r.toml);
    else process.stdout.write(r.toml);
  } catch (e) {
    process.stderr.write(`lvsd import-keepalived: cannot write ${args.out}: ${(e as Error).message}\n`);
    return 1;
  }
  const { virtualServers, vrrpInstances } = r.counts;
  process.stderr.write(
    `lvsd import-keepalived: ${virtualServers} virtual server(s), ${vrrpInstances} VRRP instance(s)` +
      (r.findings.length
        ? `; ${r.findings.length} finding(s) above: not mapped, or not exactly`
        : '; everything mapped') +
      (args.out ? `; written to ${args.out}` : '') +
      '\n',
  );
  return r.exitCode;
}

/**
 * `lvsd import-keepalived` at the size of keepalived #2318 (2,284 virtual servers × 16 real servers,
 * 36,544 checked real servers), against keepalived 2.2.7 parsing the same file (`keepalived -t`,
 * which reads and checks the configuration and exits) in the same run; and the importer's keyword
 * coverage: the keywords of keepalived.conf(5) (the installed man page, bold words that are
 * keywords) it maps, against all of them.
 * Usage (after npm run build): node dist/bench/keepalived-import.js [services=2284] [servers=16] [runs=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { realFs } from '../src/cli/import-keepalived.js';
import { parseConfig } from '../src/config/load.js';
import { importKeepalived } from '../src/keepalived/import.js';
import { allKeywords } from '../src/keepalived/keywords.js';
import { bigConfig } from './keepalived-big.js';

const S = Number(process.argv[2] ?? 2284);
const R = Number(process.argv[3] ?? 16);
const RUNS = Number(process.argv[4] ?? 5);
const MAN = '/usr/share/man/man5/keepalived.conf.5.gz';
const LVSD = resolve('bin/lvsd');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function wall(cmd: string, args: string[]): { ms: number; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, status: r.status };
}

/** Keywords of the man page: bold words that are keywords (lower-case names, the checker names, SSL, ~SEQ/~LST). */
export function manKeywords(roff: string): string[] {
  const NOT_KEYWORDS = new Set(['all', 'end', 'start', 'step', 'val1', 'val2', 'val3', 'proxy_arp', 'proxy_arp_pvlan']);
  const words = [...roff.matchAll(/\\fB([A-Za-z_~][A-Za-z0-9_-]*)/g)].map((m) => m[1]!);
  return [...new Set(words)]
    .filter(
      (w) => /^[a-z][a-z0-9_-]*$/.test(w) || /^[A-Z]+_(CHECK|GET)$/.test(w) || ['SSL', '~SEQ', '~LST'].includes(w),
    )
    .filter((w) => !NOT_KEYWORDS.has(w))
    .sort();
}

function coverage(): void {
  const man = manKeywords(gunzipSync(readFileSync(MAN)).toString('utf8'));
  const all = allKeywords();
  const mapped = new Set(all.filter((k) => k.entry.mapped).map((k) => k.keyword));
  const known = new Set(all.map((k) => k.keyword));
  const covered = man.filter((k) => mapped.has(k));
  const reported = man.filter((k) => !mapped.has(k) && known.has(k));
  const insideReported = man.filter((k) => !known.has(k));
  console.log(`\nkeepalived.conf(5) (${MAN}): ${man.length} keywords`);
  console.log(
    `  mapped to lvsd:                     ${covered.length}   ratio ${(covered.length / man.length).toFixed(3)}`,
  );
  console.log(`  known, reported as not mapped:      ${reported.length}`);
  console.log(`  only inside blocks reported whole:  ${insideReported.length} (${insideReported.join(' ')})`);
  console.log(`  importer catalogue: ${known.size} distinct keywords, ${all.length} (block, keyword) pairs`);
}

function timing(): void {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ka-bench-'));
  try {
    const conf = join(dir, 'keepalived.conf');
    const out = join(dir, 'lvsd.toml');
    writeFileSync(conf, bigConfig(S, R));
    console.log(
      `config: ${S} virtual servers × ${R} real servers = ${S * R}, ${(statSync(conf).size / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (2 cores, shared machine)`,
    );
    const inproc: number[] = [];
    let r!: ReturnType<typeof importKeepalived>;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      r = importKeepalived(conf, { fs: realFs, configId: 'big' });
      inproc.push(performance.now() - t0);
    }
    if (r.exitCode === 2) throw new Error(r.error);
    const validate: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const check = parseConfig(r.toml, 'bench');
      validate.push(performance.now() - t0);
      if (!check.ok) throw new Error('the imported config does not pass --check');
    }
    const ka: number[] = [];
    const cli: number[] = [];
    const chk: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // interleaved, so load changes hit all three alike
      const k = wall('keepalived', ['-t', '-n', '-l', '-f', conf]);
      const c = wall(process.execPath, [LVSD, 'import-keepalived', conf, '-i', 'big', '-o', out]);
      const v = wall(process.execPath, [LVSD, '-f', out, '--check']);
      if (c.status !== 0 && c.status !== 3) throw new Error(`import exited ${c.status}`);
      ka.push(k.ms);
      cli.push(c.ms);
      chk.push(v.ms);
    }
    const kam = median(ka);
    console.log(
      `lvsd TOML: ${(statSync(out).size / 1e6).toFixed(1)} MB, exit ${r.exitCode}, ${r.findings.length} finding(s)`,
    );
    console.log(`median of ${RUNS} runs, wall ms:`);
    console.log(`  keepalived -t (anchor: keepalived parses and checks the file)   ${kam.toFixed(0)}`);
    console.log(
      `  lvsd import-keepalived (CLI, node start included)                ${median(cli).toFixed(0)}   ratio ${(median(cli) / kam).toFixed(2)}`,
    );
    console.log(
      `  importKeepalived() in process (read, map, write, validate)       ${median(inproc).toFixed(0)}   ratio ${(median(inproc) / kam).toFixed(2)}`,
    );
    console.log(
      `  … of which lvsd's validator on the written TOML (parseConfig)   ${median(validate).toFixed(0)}   ratio ${(median(validate) / kam).toFixed(2)}`,
    );
    console.log(
      `  lvsd -f OUT --check (CLI)                                        ${median(chk).toFixed(0)}   ratio ${(median(chk) / kam).toFixed(2)}`,
    );
    console.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const v = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
    console.log(`keepalived: ${(v.stderr || v.stdout).split('\n')[0] ?? ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

timing();
coverage();

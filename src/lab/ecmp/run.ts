/**
 * Host side of the ECMP scenario: boots one user-mode Linux guest, builds the topology, runs
 * scenario.js inside it and returns what it measured. Shared by the kernel-tier test, the
 * benchmarks and `./lab/run --ecmp`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tailFile } from '../hostio.js';
import { runUml, shq } from '../uml.js';
import type { EcmpResult } from './scenario.js';
import type { DirectorMode } from './directors.js';
import { ecmpTopologyScript } from './topology.js';

/** What to run. */
export interface EcmpRunOptions {
  mode: DirectorMode;
  scheduler: 'mh' | 'wrr';
  flows: number;
  periodMs: number;
  /** The built tree the guest runs (bin/, dist/); default: this checkout. */
  root?: string;
  /** Called with each progress line as the guest writes it. */
  onProgress?: (line: string) => void;
  timeoutMs?: number;
}

/** The result, or why there is none, with the guest's log for a failure message. */
export interface EcmpRun {
  result?: EcmpResult;
  ok: boolean;
  log: string;
  durationMs: number;
}

/** Runs the scenario in a fresh guest. Never rejects for guest failures (see `ok`, `log`). */
export async function runEcmp(o: EcmpRunOptions): Promise<EcmpRun> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ecmp-'));
  const root = o.root ? `export LVSD_ROOT=${shq(o.root)}\n` : '';
  const args = `--mode ${o.mode} --scheduler ${o.scheduler} --flows ${o.flows} --period-ms ${o.periodMs}`;
  const script =
    ecmpTopologyScript() +
    `set +e\n${root}ulimit -n 65536\n` +
    `node "$LVSD_ROOT/dist/src/lab/ecmp/scenario.js" ${args} --out ${shq(join(dir, 'ecmp.json'))} --progress ${shq(join(dir, 'progress.log'))}\n`;
  let pending = '';
  const tail = tailFile(join(dir, 'progress.log'), (t) => {
    const lines = (pending + t).split('\n');
    pending = lines.pop()!;
    for (const l of lines) o.onProgress?.(l);
  });
  try {
    const r = await runUml({
      name: `ecmp-${o.scheduler}`,
      script,
      timeoutMs: o.timeoutMs ?? 900_000,
      mem: o.flows > 1000 ? '2048M' : '1536M',
    });
    tail.stop();
    r.cleanup();
    const file = join(dir, 'ecmp.json');
    const result = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EcmpResult) : undefined;
    return {
      result,
      ok: r.ok && !!result && !result.error,
      log: r.log || r.console.slice(-4000),
      durationMs: r.durationMs,
    };
  } finally {
    tail.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

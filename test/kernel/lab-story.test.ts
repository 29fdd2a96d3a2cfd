/**
 * The one-command lab end to end (kernel tier: a real IPVS kernel in user-mode Linux).
 * Lab A runs the short story with --keep and must pass every step, then answers commands typed at
 * its prompt (inside the guest's client namespace); while it runs, lab B starts beside it
 * (isolated by its own umid) and is interrupted with SIGINT (Ctrl-C): B's guest and every process
 * and temp dir it made must be gone, and A must keep running undisturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { hasRoot } from '../support/root.js';

interface Lab {
  proc: ChildProcess;
  out: () => string;
  done: Promise<number | null>;
}

function startLab(args: string[]): Lab {
  const proc = spawn('node', ['dist/src/lab/main.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const done = new Promise<number | null>((r) => proc.on('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  return { proc, out: () => text, done };
}

/** Host pids of processes whose command line carries a umid starting with `prefix`. */
function guestPids(prefix: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.startsWith(`umid=${prefix}`));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const tmpEntries = (): string[] => readdirSync(tmpdir()).filter((n) => /^lvsd-(lab|uml-lab|umlrun-lab)-/.test(n));
/** Lab namespace names that exist on the HOST (they must only ever exist inside the guests). */
const leakedNetns = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => ['lb1', 'lb2', 'be1', 'be2', 'be3', 'client'].includes(n));

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return pred();
}

describe.skipIf(!hasRoot('kernel: the one-command lab in UML'))('lab/run', () => {
  let a: Lab;
  // A also exercises --keep: at its prompt, commands run in the guest's client namespace.
  const keepCommands = ['ip netns exec lb2 ipvsadm -Ln', 'curl -s http://10.99.0.50:8080/', 'exit'];
  beforeAll(() => {
    a = startLab(['--short', '--keep']);
    let sent = 0;
    const timer = setInterval(() => {
      const prompts = a.out().split('lab:client# ').length - 1;
      if (prompts > sent && sent < keepCommands.length) a.proc.stdin!.write(keepCommands[sent++] + '\n');
      if (sent === keepCommands.length || a.proc.exitCode !== null) clearInterval(timer);
    }, 300);
  });
  afterAll(() => {
    if (a.proc.exitCode === null) a.proc.kill('SIGINT');
  });

  it('Ctrl-C stops a second lab completely (guest, processes, temp dirs) without touching the first', async () => {
    expect(await until(() => guestPids(`lvsd-lab-${a.proc.pid}-`).length > 0, 60_000)).toBe(true);
    const dirsBefore = tmpEntries().sort(); // A's dirs (if still running) and nobody else's
    const b = startLab([]);
    const prefix = `lvsd-lab-${b.proc.pid}-`;
    expect(await until(() => b.out().includes('Starting nginx'), 120_000)).toBe(true); // B's guest is up and working
    const bDirs = tmpEntries().filter((n) => !dirsBefore.includes(n));
    expect(bDirs.length).toBe(3); // B's own: progress dir, the guest's $OUT and its run dir
    expect(guestPids(prefix).length).toBeGreaterThan(0);
    b.proc.kill('SIGINT');
    expect(await b.done).toBe(130);
    expect(b.out()).toContain('interrupted');
    expect(await until(() => guestPids(prefix).length === 0, 10_000)).toBe(true);
    expect(leakedNetns()).toEqual([]);
    // A is untouched: still running with its guest, or (if its story already ended) not interrupted.
    if (a.proc.exitCode === null) expect(guestPids(`lvsd-lab-${a.proc.pid}-`).length).toBeGreaterThan(0);
    else expect(a.out()).not.toContain('interrupted');
    expect(tmpEntries().filter((n) => bDirs.includes(n))).toEqual([]); // B's temp dirs are gone
  });

  it('the short story passes every step and prints the failover times', async () => {
    const code = await a.done;
    const out = a.out();
    expect(/^lab: (the guest .*)$/m.exec(out)?.[1], 'the lab could not boot its guest').toBeUndefined();
    expect(out, out).toContain('RESULT: every step behaved as expected');
    expect(code).toBe(0);
    for (const step of [
      '1. traffic spreads over 3 backends',
      '2. a backend dies',
      '3. the master LB dies',
      '4. a service is added',
    ])
      expect(out).toContain(`PASS  ${step}`);
    expect(out).toMatch(/VRRP failover, polled\): \d+\.\d\d s/);
    expect(out).toMatch(/becomes VRRP master \(its log\): \d+\.\d\d s/);
    expect(out).toMatch(/out of rotation \(weight 0\): \d+\.\d\d s/);
    expect(out).toMatch(/requests sent [1-9]\d*, failed \d+/);
    expect(guestPids(`lvsd-lab-${a.proc.pid}-`)).toEqual([]);
    // --keep: the commands typed at the prompt ran inside the lab and printed their output.
    const kept = out.slice(out.indexOf('lab:client# '));
    expect(kept).toMatch(/TCP {2}10\.99\.0\.50:8080 rr\n(\s+-> 10\.99\.0\.2[123]:8080\s+Route\s+100 .*\n){3}/);
    expect(kept).toMatch(/lab:client# be[123]\n/);
  });
});

/**
 * Host tier: `lvsd --check` over the whole invalid-config corpus (exit 2, every expected key path
 * printed), valid examples (exit 0), bad argv (exit 2 + usage), and the kernel dataplane on this
 * host kernel, which has no IPVS (a clear message, exit 1).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hasRoot } from '../support/root.js';
import { LVSD, ROOT, lvsdSync, requireBuild } from './daemon-support.js';

const corpus = join(ROOT, 'test/fixtures/config/invalid');
const valid = join(ROOT, 'test/fixtures/config/valid');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [LVSD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs fn over items with at most n in flight. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe.skipIf(!hasRoot('host: lvsd --check over the invalid corpus'))('lvsd --check', () => {
  beforeAll(() => requireBuild());

  it('rejects every file of the invalid corpus with exit 2 and prints each expected key path and message', async () => {
    const files = readdirSync(corpus).sort();
    expect(files.length).toBeGreaterThanOrEqual(50);
    const results = await pool(files, 4, (f) => run(['-f', join(corpus, f), '--check']));
    const bad: string[] = [];
    files.forEach((f, i) => {
      const r = results[i];
      const path = join(corpus, f);
      if (r.code !== 2) bad.push(`${f}: exit ${r.code}`);
      if (r.stdout.includes('is valid')) bad.push(`${f}: said valid`);
      if (statSync(path).isDirectory()) {
        if (!r.stderr.includes('is a directory, not a file')) bad.push(`${f}: no directory message`);
        return;
      }
      for (const m of readFileSync(path, 'utf8').matchAll(/^# expect: (.*?) :: (.*)$/gm)) {
        const key = m[1].trim();
        const hit = r.stderr
          .split('\n')
          .some((l) => (key ? l.includes(`: ${key}: `) && l.split(`: ${key}: `)[1].includes(m[2]) : l.includes(m[2])));
        if (!hit) bad.push(`${f}: stderr lacks ${key} :: ${m[2]}:\n${r.stderr}`);
      }
      if (!/test failed: \d+ problem/.test(r.stderr)) bad.push(`${f}: no summary line`);
    });
    expect(bad).toEqual([]);
  });

  it('a missing file is exit 2 naming the file', () => {
    const r = lvsdSync(['-f', '/nonexistent/lvsd.toml', '--check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read config file /nonexistent/lvsd.toml: no such file');
  });

  it('valid examples are exit 0 ("is valid")', async () => {
    const files = [...readdirSync(valid).map((f) => join(valid, f)), join(ROOT, 'conf/lvsd.example.toml')];
    const results = await pool(files, 4, (f) => run(['-f', f, '--check', '--dataplane', 'memory']));
    results.forEach((r, i) => {
      expect(r.code, `${files[i]}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('is valid');
    });
  });

  it('a [sync] section: the sysctls set against it are warnings on stderr, the verdict on stdout (this kernel has no ip_vs: its defaults)', async () => {
    const r = await run(['-f', join(valid, 'sync.toml'), '--check', '--dataplane', 'memory']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid/);
    expect(r.stderr).toMatch(
      /^lvsd: warning: sync: net\.ipv4\.vs\.sync_threshold = "3 50" with sync_refresh_period = 0/m,
    );
  });

  it('bad arguments: exit 2 with the problem and the usage', () => {
    for (const args of [
      ['--frobnicate'],
      ['-f'],
      ['-f', 'x.toml', '--dataplane', 'dpdk'],
      ['-f', 'x', '--plan', '--check'],
    ]) {
      const r = lvsdSync(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: lvsd -f FILE');
    }
  });

  it('with the kernel dataplane on a host kernel without IPVS: a clear message, exit 1, no stack trace', () => {
    const cfg = join(
      valid,
      readdirSync(valid).find((f) => readFileSync(join(valid, f), 'utf8').includes('[[virtual_server]]'))!,
    );
    const r = lvsdSync(['-f', cfg, '--plan']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IPVS is not available/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const c = lvsdSync(['-f', cfg, '--check']);
    expect(c.code).toBe(0);
    // the warning goes to stderr: stdout carries only the verdict, as nginx -t does
    expect(c.stderr).toMatch(/warning: .*IPVS is not available/);
    expect(c.stdout).toBe(`lvsd: configuration file ${cfg} is valid\n`);
  });
});

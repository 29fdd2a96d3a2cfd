/** Reading what the daemon's UML scenario wrote to $OUT (see daemon-scenario.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UmlResult } from '../support/uml.js';

/** key=value lines of $OUT/results.txt. */
export function parseResults(r: UmlResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readText(r, '../results.txt').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** A file the scenario wrote under $OUT/w ('' when missing). */
export function readText(r: UmlResult, name: string): string {
  try {
    return readFileSync(join(r.outDir, 'w', name), 'utf8');
  } catch {
    return '';
  }
}

/** A JSON file the scenario wrote under $OUT/w; throws naming it when missing or broken. */
export function readJson<T>(r: UmlResult, name: string): T {
  const text = readText(r, name);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${name} is missing or not JSON: ${text.slice(0, 300)}`);
  }
}

/** lvsd's logged health transitions (a spread assertion's message: a transition changes the spread legitimately). */
export function transitions(r: UmlResult): string {
  const lines = readText(r, 'lvsd.log')
    .split('\n')
    .filter((l) => l.includes('"health transition"'));
  return lines.length ? `health transitions in lvsd's log:\n${lines.join('\n')}` : "no health transition in lvsd's log";
}

/**
 * Milliseconds the guest was stalled between `fromMs` and `toMs` (guest clock), from the stall
 * recorder's $OUT/w/stalls.txt (daemon-client.ts STALL_JS); throws when the recorder left no file.
 */
export function stalledMs(r: UmlResult, fromMs: number, toMs: number): number {
  let text: string;
  try {
    text = readFileSync(join(r.outDir, 'w', 'stalls.txt'), 'utf8');
  } catch {
    throw new Error('stalls.txt is missing: the stall recorder did not run');
  }
  // each line "at late": the recorder could not run from at - late to at; count the part inside the window
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').map(Number))
    .reduce((sum, [at, late]) => sum + Math.max(0, Math.min(at, toMs) - Math.max(at - late, fromMs)), 0);
}

/** A bound on a daemon time measured in its window from `res` (KEY_t0 and KEY_log_ms), plus the guest's stall in it. */
export function windowed(r: UmlResult, res: Record<string, string>, key: string): { ms: number; stalled: number } {
  const t0 = Number(res[`${key}_t0`]);
  const ms = Number(res[`${key}_log_ms`]);
  return { ms, stalled: stalledMs(r, t0, t0 + ms) };
}

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

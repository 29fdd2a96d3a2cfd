/**
 * The keepalived corpus (test/fixtures/keepalived, written for lvsd, not copied from keepalived):
 * each case names a config, the keepalived config id it is read with (`@ID` lines) and its golden
 * files: NAME.toml (the import) and NAME.findings (the exit code, then one finding per line).
 * `UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/keepalived/corpus.test.ts` rewrites them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { realFs } from '../../../src/cli/import-keepalived.js';
import { formatFinding } from '../../../src/keepalived/findings.js';
import { importKeepalived, type ImportResult } from '../../../src/keepalived/import.js';

export const CORPUS_DIR = resolve('test/fixtures/keepalived');

/** One corpus case. */
export interface CorpusCase {
  conf: string;
  golden: string;
  configId: string;
}

const c = (conf: string, configId = 'lb1', golden = conf.replace(/\.conf$/, '')): CorpusCase => ({
  conf,
  golden,
  configId,
});

export const CASES: CorpusCase[] = [
  c('clean.conf'),
  c('web-nat.conf'),
  c('tcp-inhibit.conf'),
  c('dr-sh-udp.conf'),
  c('fwmark-group.conf'),
  c('checkers.conf'),
  c('vrrp-pair.conf'),
  c('vrrp-pair.conf', 'lb2', 'vrrp-pair.lb2'),
  c('vrrp-full.conf'),
  c('syncd.conf'),
  c('sync-full.conf'),
  c('sync-deprecated.conf'),
  c('sync-unknown-instance.conf'),
  c('sync-refused.conf'),
  c('odds.conf'),
  c('includes/keepalived.conf'),
  c('includes/keepalived.conf', 'lb2', 'includes/keepalived.lb2'),
  c('misspelled.conf'),
  c('missing-include-plain.conf'),
  c('missing-include.conf'),
  c('unbalanced-missing.conf'),
  c('unbalanced-extra.conf'),
  c('unterminated-quote.conf'),
  c('bad-seq.conf'),
];

/** The environment every case is imported with (for ${_ENV KA_SITE}). */
export const ENV = { KA_SITE: '-dc1' };

/** Imports one case from the fixture directory. */
export function importCase(k: CorpusCase): ImportResult {
  return importKeepalived(join(CORPUS_DIR, k.conf), { fs: realFs, configId: k.configId, env: ENV });
}

/** The .findings text of a result. */
export function findingsText(r: ImportResult): string {
  const lines = [`exit ${r.exitCode}`, ...r.findings.map(formatFinding)];
  if (r.exitCode === 2) lines.push(`error: ${r.error}`);
  return lines.join('\n') + '\n';
}

/** A golden file's text, or undefined when it does not exist. */
export function golden(name: string): string | undefined {
  try {
    return readFileSync(join(CORPUS_DIR, name), 'utf8');
  } catch {
    return undefined;
  }
}

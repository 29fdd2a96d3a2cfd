/**
 * `lvsd import-keepalived` as a function: a keepalived configuration in, lvsd TOML and findings
 * out. Exit codes: 0 everything was mapped; 3 written, with findings (each names a keyword, its
 * file:line, why it was not mapped and what to do instead); 2 the input cannot be read (a missing
 * file, unbalanced braces, an unterminated quote, a failed include check), with file:line.
 * Never throws for any input: an exception other than a syntax error is a bug.
 */
import { Ctx } from './context.js';
import { KeepalivedSyntaxError, type Finding } from './findings.js';
import { mapConfig } from './map.js';
import { streamSource, type SourceFs } from './source.js';
import { TreeBuilder } from './tree.js';
import { writeValid } from './validate.js';
import { basename } from 'node:path';

/** How to read the input. */
export interface ImportOptions {
  fs: SourceFs;
  /** keepalived's config id (`-i`), for `@ID` lines and ${_INSTANCE}. */
  configId?: string;
  /** Environment for ${_ENV NAME}. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of an import. */
export type ImportResult =
  | { exitCode: 0 | 3; toml: string; findings: Finding[]; counts: { virtualServers: number; vrrpInstances: number } }
  | { exitCode: 2; error: string; findings: Finding[] };

/** Imports the keepalived configuration at `path`. */
export function importKeepalived(path: string, opts: ImportOptions): ImportResult {
  const ctx = new Ctx();
  try {
    const tree = new TreeBuilder();
    const files = streamSource(
      path,
      { fs: opts.fs, findings: ctx.findings, configId: opts.configId, env: opts.env },
      (l) => tree.push(l),
    );
    const cfg = mapConfig(ctx, tree.finish());
    const header = [
      `lvsd configuration imported from the keepalived configuration ${basename(path)} by \`lvsd import-keepalived\`.`,
      'Keys equal to lvsd defaults are left out (docs/config.md); `# from FILE:LINE` names the keepalived block.',
      'Check it with `lvsd -f FILE --check`; docs/migration-keepalived.md explains every mapping.',
    ];
    const toml = writeValid(cfg, ctx, header);
    const findings = inSourceOrder(ctx.findings.list, files);
    return {
      exitCode: findings.length ? 3 : 0,
      toml,
      findings,
      counts: { virtualServers: cfg.virtual_server.length, vrrpInstances: cfg.vrrp_instance.length },
    };
  } catch (e) {
    if (e instanceof KeepalivedSyntaxError) return { exitCode: 2, error: e.message, findings: ctx.findings.list };
    throw e;
  }
}

/** Findings sorted by file (in the order the files were read) and line; stable for one line. */
function inSourceOrder(findings: Finding[], files: readonly string[]): Finding[] {
  const order = new Map<string, number>();
  for (const f of files) if (!order.has(f)) order.set(f, order.size);
  const rank = (f: Finding) => order.get(f.file) ?? -1;
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.f.line - b.f.line || a.i - b.i)
    .map((x) => x.f);
}

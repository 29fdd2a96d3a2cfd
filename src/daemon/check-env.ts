/**
 * What `lvsd --check` verifies beyond the file itself: that the config can run on THIS host.
 * Errors (exit 2, each with its key path): a metrics_listen or check bindto address that is not an
 * address of this host, a control_socket whose directory is not a directory, a control_socket_group
 * that does not exist, a script check, track script or notify hook whose program is missing or not
 * executable, a ca_file that is not a readable regular file. Warnings: a metrics port in use now (by
 * another process, or by the lvsd this config already runs), a state file that would be moved aside.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Config } from '../config/types.js';
import type { CheckSpec } from '../health/schema.js';
import { quote } from '../util/quote.js';
import { readRegularFileSync } from '../util/regular-file.js';
import { controlGroupId } from './group.js';
import { parseStateFile } from './state-file.js';

/** One finding, at a key path like the config's problems. */
export interface EnvFinding {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** Every finding for `c` on this host. */
export async function checkEnvironment(c: Config, env: NodeJS.ProcessEnv = process.env): Promise<EnvFinding[]> {
  const out: EnvFinding[] = [];
  const error = (path: string, message: string) => out.push({ path, message, severity: 'error' });
  const warning = (path: string, message: string) => out.push({ path, message, severity: 'warning' });
  await checkListen(c, error, warning);
  checkControlSocket(c, error);
  checkStateFile(c, warning);
  // each distinct program, address and file once, at the first key path that names it
  const uses = {
    programs: new Map<string, string>(),
    bindtos: new Map<string, string>(),
    caFiles: new Map<string, string>(),
  };
  c.virtual_server.forEach((vs, i) => {
    const at = `virtual_server[${i}] (${vs.name})`;
    if (vs.check) collect(vs.check, `${at}.check`, uses);
    vs.real_server.forEach((rs, j) => rs.check && collect(rs.check, `${at}.real_server[${j}].check`, uses));
  });
  c.vrrp_instance.forEach((v, i) => {
    const at = `vrrp_instance[${i}] (${v.name})`;
    v.track_script.forEach((t, j) => first(uses.programs, t.argv[0], `${at}.track_script[${j}].argv`));
    for (const [state, argv] of Object.entries(v.notify)) first(uses.programs, argv[0], `${at}.notify.${state}`);
  });
  const pathVar = env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';
  for (const [prog, path] of uses.programs) {
    const why = programProblem(prog, pathVar);
    if (why) error(path, `${quote(prog)} ${why}`);
  }
  for (const [file, path] of uses.caFiles) {
    try {
      readRegularFileSync(file, 4 * 1024 * 1024);
    } catch (e) {
      error(path, `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  for (const [addr, path] of uses.bindtos) {
    const why = await bindProblem(addr, 0);
    if (why) error(path, `cannot bind ${addr}: ${why}`);
  }
  return out;
}

function first(m: Map<string, string>, key: string | undefined, path: string): void {
  if (key !== undefined && !m.has(key)) m.set(key, path);
}

function collect(
  spec: CheckSpec,
  at: string,
  u: { programs: Map<string, string>; bindtos: Map<string, string>; caFiles: Map<string, string> },
): void {
  if (spec.type === 'script') first(u.programs, spec.command[0], `${at}.command`);
  if ('bindto' in spec) first(u.bindtos, spec.bindto, `${at}.bindto`);
  if (spec.type === 'https') first(u.caFiles, spec.ca_file, `${at}.ca_file`);
}

type Report = (path: string, message: string) => void;

async function checkListen(c: Config, error: Report, warning: Report): Promise<void> {
  const l = c.global.metrics_listen;
  if (!l) return;
  const why = await bindProblem(l.host, 0);
  if (why) return error('global.metrics_listen', `cannot listen on ${l.host}: ${why}`);
  const busy = await bindProblem(l.host, l.port);
  if (busy)
    warning(
      'global.metrics_listen',
      `port ${l.port} on ${l.host} is not free now (${busy}): lvsd will not start while it is taken`,
    );
}

function checkControlSocket(c: Config, error: Report): void {
  const dir = dirname(c.global.control_socket);
  try {
    if (!statSync(dir).isDirectory()) error('global.control_socket', `${dir} is not a directory`);
  } catch {
    /* created at start */
  }
  const g = c.global.control_socket_group;
  if (g === undefined) return;
  try {
    controlGroupId(g);
  } catch (e) {
    error('global.control_socket_group', (e as Error).message);
  }
}

function checkStateFile(c: Config, warning: Report): void {
  const f = c.global.state_file;
  let text: string;
  try {
    text = readRegularFileSync(f, 16 * 1024 * 1024);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ENOENT')
      warning('global.state_file', `${f}: ${err.message}; lvsd will move it aside and start without overrides`);
    return;
  }
  const r = parseStateFile(text);
  if (!r.ok)
    warning('global.state_file', `${f} is corrupt (${r.problem}); lvsd will move it aside and start without overrides`);
}

/** Why `prog` cannot be executed (resolved on `pathVar` when it has no slash), or undefined. */
export function programProblem(prog: string, pathVar: string): string | undefined {
  const candidates = prog.includes('/')
    ? [prog]
    : pathVar
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, prog));
  if (!prog.includes('/') && candidates.length === 0) return 'is not found (PATH is empty)';
  for (const f of candidates) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue;
    }
    if (!st.isFile()) return `is not a regular file${isAbsolute(prog) ? '' : ` (${f})`}`;
    try {
      accessSync(f, constants.X_OK);
      if ((st.mode & 0o111) === 0) return 'is not executable (no x bit)'; // root passes access(X_OK) only with one x bit
      return undefined;
    } catch {
      return `is not executable${isAbsolute(prog) ? '' : ` (${f})`}`;
    }
  }
  return prog.includes('/') ? 'does not exist' : 'is not found on PATH';
}

/** Why `host`:`port` cannot be bound for TCP now (e.g. "EADDRNOTAVAIL"), or undefined. */
function bindProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'EADDRNOTAVAIL' ? 'not an address of this host (EADDRNOTAVAIL)' : (e.code ?? e.message)),
    );
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

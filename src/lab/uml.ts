/**
 * Boots user-mode Linux (/usr/bin/linux.uml, a whole Linux with IPVS as modules) with the host's
 * filesystem as its root, runs one shell script as root inside it, and returns what happened.
 *
 * Facts this runner relies on (found on Debian's user-mode-linux 6.1, see uml-lab.md):
 * - hostfs root is the host's `/`, read-write: whatever the guest writes lands on the host. The
 *   guest therefore gets private mounts for everything volatile: devtmpfs on /dev (node needs
 *   /dev/null and /dev/urandom; the host's device nodes are not the guest's), proc, sysfs, tmpfs
 *   on /run (+ /run/netns for `ip netns`), and a per-run TMPDIR/HOME under $OUT. /tmp is NOT
 *   overlaid (the per-run $OUT usually lives there), so scripts must not scribble on /tmp itself.
 * - modules live in /usr/lib/uml/modules/<version>; `modprobe -d DIR` wants DIR/lib/modules/<ver>,
 *   so each run makes DIR with a symlink. IPv6 is a module here too (loaded before ip_vs).
 * - node starts in ~1.6 s inside (syscalls are slow), nginx and curl work once /dev is mounted;
 *   a hostname is set so tools that resolve it do not stall.
 * - `umid=` must be unique among concurrent guests; `uml_dir=` keeps the pid/mconsole files in the
 *   run's temp dir instead of ~/.uml, so cleanup is one rm.
 * - linux.uml is started with the ptrace shim (src/lab/uml-shim.ts) in LD_PRELOAD, so the guest
 *   boots on hosts whose XSAVE state is larger than UML's buffer (CPUs with AMX); elsewhere the shim
 *   does nothing. Without it (no gcc, no source) the guest still starts, and if it dies of exactly
 *   that, `failure` says so.
 * The guest writes its script's exit code to $OUT/exit-code; `halt -f` then ends the guest. A guest
 * that never got to run its script (a panic, IPVS not loading, ...) is explained in one line
 * (`UmlResult.failure`, src/lab/uml-failure.ts).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { bootFailure } from './uml-failure.js';
import { ensureShim, preloadValue, type Shim } from './uml-shim.js';

export { repoRoot } from './repo-root.js';

/** The user-mode Linux kernel (Debian's user-mode-linux package). */
export const LINUX_UML = '/usr/bin/linux.uml';

/** What to run in a guest. */
export interface UmlOptions {
  /** A short tag, used in the umid and temp dir names (letters, digits, '-'). */
  name: string;
  /** sh body run as root inside the guest after the standard setup; `$OUT` is a host-visible dir. */
  script: string;
  /** Hard limit for the whole boot; at the deadline the guest's process tree is killed. */
  timeoutMs: number;
  /** Guest RAM (`mem=`), default '768M' (what the kernel tests run with: several node processes plus IPVS; the 11,000-rule benchmark uses 1536M). */
  mem?: string;
  /** Extra environment exported to the script. */
  env?: Record<string, string>;
  /** Keep $OUT after the run (default: false, the caller reads files before `cleanup`). */
  keep?: boolean;
  /** Start linux.uml with the ptrace shim (default true; bench/uml-boot.ts compares without). */
  shim?: boolean;
  /** More LD_PRELOAD libraries, after the shim (a test simulates another host's ptrace with one). */
  preload?: string[];
}

/** What happened in a guest. `outDir` survives until `cleanup()` is called. */
export interface UmlResult {
  /** The script exited 0 and the guest did not time out. */
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** The guest console (kernel messages and the script's stdout/stderr). */
  console: string;
  /** The script's own stdout and stderr ($OUT/script.log). */
  log: string;
  /** Host directory the guest saw as $OUT. */
  outDir: string;
  durationMs: number;
  /**
   * Why the guest could not run the script, in one line naming the cause and what to do (a kernel
   * panic such as the one of CPUs with AMX without the shim, IPVS not loading, no progress before
   * the deadline); undefined when the script ran, whatever its exit code, or hung on its own.
   */
  failure?: string;
  /** Removes outDir (idempotent). */
  cleanup(): void;
}

/** The UML kernel's module version directory name, discovered on disk (e.g. "6.1.176"). */
export function umlModuleVersion(base = '/usr/lib/uml/modules'): string {
  const versions = existsSync(base) ? readdirSync(base).sort() : [];
  if (versions.length === 0)
    throw new Error(
      `no user-mode Linux modules under ${base}: apt-get install user-mode-linux (lab/run and .ci/setup do it as root)`,
    );
  return versions[versions.length - 1];
}

/** Every IPVS scheduler (and the SIP persistence engine) built for the UML kernel. */
export function umlIpvsModules(version = umlModuleVersion()): string[] {
  const dir = `/usr/lib/uml/modules/${version}/kernel/net/netfilter/ipvs`;
  if (!existsSync(dir)) return ['ip_vs'];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ko') && f !== 'ip_vs_ftp.ko')
    .map((f) => f.slice(0, -3))
    .sort((a, b) => (a === 'ip_vs' ? -1 : b === 'ip_vs' ? 1 : a.localeCompare(b)));
}

let runCounter = 0;

/**
 * Boots a guest, runs `opts.script`, and resolves when the guest is gone (never rejects for guest
 * failures; rejects with a one-line Error when user-mode Linux is not installed).
 */
export async function runUml(opts: UmlOptions): Promise<UmlResult> {
  if (!existsSync(LINUX_UML))
    throw new Error(
      `user-mode Linux is not installed (${LINUX_UML} is missing): apt-get install user-mode-linux (lab/run and .ci/setup do it as root)`,
    );
  const tag = opts.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 20);
  const umid = `lvsd-${tag}-${process.pid}-${++runCounter}`;
  const outDir = mkdtempSync(join(tmpdir(), `lvsd-uml-${tag}-`));
  const runDir = mkdtempSync(join(tmpdir(), `lvsd-umlrun-${tag}-`));
  const version = umlModuleVersion();
  mkdirSync(join(runDir, 'mods/lib/modules'), { recursive: true });
  symlinkSync(`/usr/lib/uml/modules/${version}`, join(runDir, 'mods/lib/modules', version));
  mkdirSync(join(runDir, 'uml'));
  writeFileSync(join(outDir, 'script.sh'), opts.script);
  const init = join(runDir, 'init.sh');
  writeFileSync(init, initScript({ umid, outDir, modDir: join(runDir, 'mods'), version, env: opts.env ?? {} }), {
    mode: 0o755,
  });
  const shim: Shim = opts.shim === false ? { problem: 'left out by the caller' } : ensureShim();
  const started = Date.now();
  try {
    const { console, timedOut } = await boot(umid, runDir, init, opts, preloadValue(shim, opts.preload));
    const exitCode = readExitCode(outDir);
    const cleanup = (): void => rmSync(outDir, { recursive: true, force: true });
    const log = existsSync(join(outDir, 'script.log')) ? readFileSync(join(outDir, 'script.log'), 'utf8') : '';
    const failure = bootFailure({
      console,
      scriptStarted: existsSync(join(outDir, SCRIPT_STARTED)),
      scriptEnded: exitCode !== null,
      timedOut,
      timeoutMs: opts.timeoutMs,
      initProblem: readIfExists(join(outDir, INIT_PROBLEM))?.trim(),
      shim,
    });
    return {
      ok: !timedOut && exitCode === 0,
      exitCode,
      timedOut,
      console,
      log,
      outDir,
      durationMs: Date.now() - started,
      failure,
      cleanup,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Files init writes into $OUT: a marker before the caller's script, and what kept it from starting. */
const SCRIPT_STARTED = '.script-started';
/** The guest's uptime (s) when init started, as the guest's clock saw it (bench/uml-boot.ts). */
export const INIT_UPTIME = '.init-uptime';
const INIT_PROBLEM = '.init-problem';

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readExitCode(outDir: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(join(outDir, 'exit-code'), 'utf8').trim(), 10);
    return Number.isNaN(n) ? null : n;
  } catch {
    return null;
  }
}

function boot(
  umid: string,
  runDir: string,
  init: string,
  opts: UmlOptions,
  preload: string | undefined,
): Promise<{ console: string; timedOut: boolean }> {
  const args = [
    `umid=${umid}`,
    `uml_dir=${join(runDir, 'uml')}`,
    `mem=${opts.mem ?? '768M'}`,
    'rootfstype=hostfs',
    'rootflags=/',
    'rw',
    `init=${init}`,
    'con=null',
    'con0=fd:0,fd:1',
    'quiet',
  ];
  return new Promise((done, fail) => {
    // detached: the guest is a tree of host processes; a new process group lets the timeout kill all of it.
    const child = spawn(LINUX_UML, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: runDir, ...(preload ? { LD_PRELOAD: preload } : {}) },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const killTree = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      killTree(); // UML helper processes may outlive the main one
      done({ console: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

interface InitParams {
  umid: string;
  outDir: string;
  modDir: string;
  version: string;
  env: Record<string, string>;
}

/** Shell-quotes one word. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function initScript(p: InitParams): string {
  const modules = [
    'ipv6',
    ...umlIpvsModules(p.version),
    'veth',
    'bridge',
    'nf_conntrack',
    'nf_nat',
    'ipip',
    'ip_gre',
    'fou',
    'tun',
  ];
  const env = Object.entries({
    ...p.env,
    OUT: p.outDir,
    LVSD_ROOT: repoRoot(),
    TMPDIR: `${p.outDir}/tmp`,
    HOME: `${p.outDir}/home`,
  })
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n');
  return `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
read -r up _ < /proc/uptime; echo "$up" > ${shq(`${p.outDir}/${INIT_UPTIME}`)}
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mkdir -p /run/netns /run/lock
hostname ${shq(p.umid.slice(0, 60))}
for m in ${modules.join(' ')}; do modprobe -d ${shq(p.modDir)} $m 2>>/run/modprobe.err; done
if [ ! -e /proc/net/ip_vs ]; then
  echo "modprobe ip_vs: $(grep -m1 ip_vs /run/modprobe.err || echo no error, but /proc/net/ip_vs is missing)" > ${shq(`${p.outDir}/${INIT_PROBLEM}`)}
  sync; halt -f
fi
ip link set lo up
${env}
mkdir -p "$TMPDIR" "$HOME"
cd "$OUT"
: > "$OUT/${SCRIPT_STARTED}"
sh "$OUT/script.sh" > "$OUT/script.log" 2>&1
echo $? > "$OUT/exit-code"
sync
halt -f
`;
}

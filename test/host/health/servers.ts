/**
 * Real servers for the health host tests: nginx and dnsmasq from Debian on a loopback address unique to
 * the test file, plus a namespace reachable over a veth pair (for blackholing and link-down cases).
 * Everything started here is stopped by the returned `stop()`, also when a test fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns, sh } from '../../support/netns.js';

/** A random 127.x.y.z address, unique enough for test files running in parallel. */
export function loopbackAddr(): string {
  const r = (n: number) => Math.floor(Math.random() * n);
  return `127.${100 + r(100)}.${r(250)}.${1 + r(250)}`;
}

/** A TCP port currently free on `address` (bind to 0, read, close). */
export async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on address:port (or rejects after ms). */
export async function waitTcp(address: string, port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect({ host: address, port }, () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${address}:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temp dir removed by cleanup. */
export function tempDir(tag: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `lvsd-health-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function collect(p: ChildProcess): () => string {
  let out = '';
  p.stdout?.on('data', (b) => (out += b));
  p.stderr?.on('data', (b) => (out += b));
  return () => out;
}

/**
 * Kills a child we started and its whole process group (servers here are spawned detached, so they lead one:
 * nginx's worker dies with its master), then waits for the child to exit.
 */
export async function killChild(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  try {
    process.kill(-p.pid!, 'SIGKILL'); // the whole group: nginx's worker outlives a SIGKILLed master otherwise
  } catch {
    p.kill('SIGKILL'); // not a group leader (not spawned detached)
  }
  await gone;
}

/** An nginx started with a config body (the `http { }` contents) under a private prefix. */
export async function startNginx(
  dir: string,
  httpBody: string,
  waitFor: Array<[string, number]>,
): Promise<{ proc: ChildProcess; log: () => string }> {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `user root root; worker_processes 1; error_log stderr warn;
     events { worker_connections 4096; }
     http { access_log ${dir}/access.log; client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px;
            fastcgi_temp_path ${dir}/fc; uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
            default_type text/plain; ${httpBody} }`,
  );
  const proc = spawn('nginx', ['-p', dir, '-c', conf, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid;`], {
    stdio: 'pipe',
    detached: true,
  });
  const log = collect(proc);
  for (const [a, p] of waitFor)
    await waitTcp(a, p).catch((e) => Promise.reject(new Error(`${e.message}; nginx said: ${log()}`)));
  return { proc, log };
}

/** Lines of nginx's access log that contain `needle`. */
export function accessLogCount(dir: string, needle: string): number {
  try {
    return readFileSync(join(dir, 'access.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(needle)).length;
  } catch {
    return 0;
  }
}

/** A self-signed certificate for `name` made with the openssl CLI. */
export function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=DNS:${name}`,
    ],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

/** dnsmasq answering from its own flags only (no upstream, no hosts file) on address:port (UDP+TCP). */
export async function startDnsmasq(
  address: string,
  port: number,
  extra: string[],
): Promise<{ proc: ChildProcess; log: () => string }> {
  const args = [
    '--no-daemon',
    '--keep-in-foreground',
    `--port=${port}`,
    `--listen-address=${address}`,
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--user=root',
    '--pid-file',
    '--log-facility=-',
    ...extra,
  ];
  const proc = spawn('dnsmasq', args, { stdio: 'pipe', detached: true });
  const log = collect(proc);
  await waitTcp(address, port).catch((e) => Promise.reject(new Error(`${e.message}; dnsmasq said: ${log()}`)));
  return { proc, log };
}

/**
 * A namespace linked to the host namespace by a veth pair on a random 10.213.x.y/30: `hostAddr` is our
 * end, `nsAddr` the namespace's. Deleting the namespace removes the pair.
 */
export function vethNamespace(tag: string): { ns: Netns; hostAddr: string; nsAddr: string; hostIf: string } {
  const ns = new Netns(tag);
  const n = Math.floor(Math.random() * 16000);
  const base = `10.213.${n >> 6}.${(n & 63) * 4}`;
  const [a, b, c] = base.split('.');
  const d = Number(base.split('.')[3]);
  const hostAddr = `${a}.${b}.${c}.${d + 1}`;
  const nsAddr = `${a}.${b}.${c}.${d + 2}`;
  const hostIf = `lvh${process.pid % 100000}${n}`.slice(0, 15);
  sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
  sh('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', hostIf]);
  sh('ip', ['link', 'set', hostIf, 'up']);
  ns.ip('addr', 'add', `${nsAddr}/30`, 'dev', 'eth0');
  ns.ip('link', 'set', 'eth0', 'up');
  return { ns, hostAddr, nsAddr, hostIf };
}

/** True if `pid` no longer runs (gone or a zombie). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * A small lab for the operator-cockpit host tests (root): one load-balancer namespace `lb` and N
 * backend namespaces on one bridge (10.77.0.0/24: lb .1, backend i at .(11+i)), nginx answering
 * its name on port 80 in each backend, and lvsd started inside `lb` with the memory dataplane.
 * Everything here (namespaces, processes, files) is made by the lab and removed by `close()`.
 * Chromium reaches lvsd's listener through `Browser.launch({ netns: lab.lb.name })`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, bridge } from '../support/netns.js';
import { LvsdProcess, Scratch, waitFor } from './daemon-support.js';

/** Address of backend i (0-based). */
export const backendAddr = (i: number): string => `10.77.0.${11 + i}`;

/** The lab. */
export class CockpitLab {
  readonly s = new Scratch();
  readonly hub: Netns;
  readonly lb: Netns;
  readonly backends: Netns[] = [];
  readonly sock: string;
  lvsd?: LvsdProcess;
  private readonly nginx = new Map<number, ReturnType<Netns['spawn']>>();

  constructor(tag: string, n: number) {
    this.hub = new Netns(`${tag}h`);
    this.lb = new Netns(`${tag}l`);
    for (let i = 0; i < n; i++) this.backends.push(new Netns(`${tag}${i}`));
    bridge(this.hub, [
      { ns: this.lb, addr: '10.77.0.1/24' },
      ...this.backends.map((ns, i) => ({ ns, addr: `${backendAddr(i)}/24` })),
    ]);
    this.sock = this.s.path('lvsd.sock');
  }

  /** Starts nginx in backend i (answers "be<i>\n" on port 80) and waits until it answers. */
  async startBackend(i: number): Promise<void> {
    const d = this.s.path(`nginx-${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, 'nginx.conf'),
      `master_process off; worker_processes 1; events { worker_connections 64; }
http { access_log off; server { listen ${backendAddr(i)}:80; location / { return 200 "be${i}\\n"; } } }`,
    );
    const p = this.backends[i].spawn('nginx', [
      '-p',
      d,
      '-c',
      join(d, 'nginx.conf'),
      '-g',
      `daemon off; pid ${d}/nginx.pid; error_log stderr;`,
    ]);
    this.nginx.set(i, p);
    await waitFor(`nginx in backend ${i}`, () => this.curl(`http://${backendAddr(i)}/`).startsWith(`be${i}`));
  }

  /** Kills backend i's nginx (SIGKILL) and waits for it to be gone. */
  async killBackend(i: number): Promise<void> {
    const p = this.nginx.get(i);
    if (!p) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
    this.nginx.delete(i);
  }

  /** GET from inside `lb`; '' on any failure. */
  curl(url: string): string {
    const r = spawnSync('ip', ['netns', 'exec', this.lb.name, 'curl', '-s', '--max-time', '5', url], {
      encoding: 'utf8',
    });
    return r.status === 0 ? r.stdout : '';
  }

  /** Writes the config and starts `lvsd -f` in `lb` with the memory dataplane; resolves once started. */
  async startLvsd(config: string, args: string[] = []): Promise<LvsdProcess> {
    const cfg = this.s.write('lvsd.toml', config);
    this.lvsd = new LvsdProcess(this.s, ['-f', cfg, '--dataplane', 'memory', ...args], { netns: this.lb.name });
    await this.lvsd.logged('lvsd started', (l) => l.msg === 'lvsd started', 20_000);
    return this.lvsd;
  }

  /** Stops everything the lab made. */
  close(): void {
    this.s.cleanup();
    for (const ns of [...this.backends, this.lb, this.hub]) ns.cleanup();
  }
}

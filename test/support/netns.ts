/**
 * Throwaway network namespaces for host tests (root only). Names are unique per process so test
 * files can run in parallel; `cleanup()` removes every namespace and link this helper made.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

let counter = 0;

/** Runs a command synchronously and returns stdout; throws with stderr on failure. */
export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A network namespace made for one test. */
export class Netns {
  readonly name: string;
  private procs: ChildProcess[] = [];

  constructor(tag: string) {
    this.name = `lvt-${tag}-${process.pid}-${++counter}`.slice(0, 30);
    sh('ip', ['netns', 'add', this.name]);
    this.ip('link', 'set', 'lo', 'up');
  }

  /** `ip ...` inside the namespace. */
  ip(...args: string[]): string {
    return sh('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace and returns stdout. */
  exec(cmd: string, args: string[] = [], input?: string): string {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args], input);
  }

  /** Starts a long-running process inside the namespace; it is killed by `cleanup()`. */
  spawn(cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'pipe', ...opts });
    this.procs.push(p);
    return p;
  }

  /** Kills processes started here and deletes the namespace (and with it its interfaces). */
  cleanup(): void {
    for (const p of this.procs) if (p.exitCode === null) p.kill('SIGKILL');
    try {
      sh('ip', ['netns', 'pids', this.name])
        .split('\n')
        .filter(Boolean)
        .forEach((pid) => {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* already gone */
          }
        });
      sh('ip', ['netns', 'del', this.name]);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Connects namespaces to a bridge living in `hub` (itself a namespace): each member gets `eth0`
 * with the given address. Returns nothing; addresses are the caller's choice.
 */
export function bridge(hub: Netns, members: Array<{ ns: Netns; addr: string; mac?: string }>): void {
  hub.ip('link', 'add', 'br0', 'type', 'bridge');
  hub.ip('link', 'set', 'br0', 'up');
  members.forEach((m, i) => {
    const peer = `p${i}`;
    hub.ip('link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.ns.name);
    hub.ip('link', 'set', peer, 'master', 'br0', 'up');
    if (m.mac) m.ns.ip('link', 'set', 'eth0', 'address', m.mac);
    m.ns.ip('addr', 'add', m.addr, 'dev', 'eth0');
    m.ns.ip('link', 'set', 'eth0', 'up');
  });
}

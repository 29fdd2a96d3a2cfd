/**
 * Helpers of the hostile-input suite: what a process listens on (from `ss`), a config with one
 * virtual server, and the daemon's view of its table through lvsctl.
 */
import { spawnSync } from 'node:child_process';
import { lvsctl, type Scratch } from '../daemon-support.js';

/** TCP ports process `pid` listens on, as "addr:port" (ss -ltnp). */
export function listening(pid: number, netns?: string): string[] {
  const cmd = netns ? ['ip', ['netns', 'exec', netns, 'ss', '-ltnpH']] : ['ss', ['-ltnpH']];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3]!);
}

/** A config: one virtual server with two real servers (no checks unless `check` is given). */
export function oneService(s: Scratch, global = '', check = ''): string {
  return `[global]
control_socket = "${s.path('lvsd.sock')}"
state_file = "${s.path('state.json')}"
${global}
[[virtual_server]]
name = "web"
address = "10.250.0.1"
port = 80
${check}
  [[virtual_server.real_server]]
  address = "10.250.1.1"
  port = 80
  weight = 5
  [[virtual_server.real_server]]
  address = "10.250.1.2"
  port = 80
  weight = 5
`;
}

/** Real server → kernel weight (memory dataplane) and drained flag, as lvsctl status --json shows them. */
export function table(sock: string): Record<string, { kernelWeight: number | null; drained: boolean; health: string }> {
  const r = lvsctl(['-s', sock, 'status', '--json']);
  if (r.code !== 0) throw new Error(`lvsctl status failed: ${r.stderr}`);
  const st = JSON.parse(r.stdout) as {
    virtualServers: Array<{
      realServers: Array<{ rs: string; kernelWeight: number | null; drained: boolean; health: string }>;
    }>;
  };
  return Object.fromEntries(
    st.virtualServers.flatMap((v) =>
      v.realServers.map((x) => [x.rs, { kernelWeight: x.kernelWeight, drained: x.drained, health: x.health }]),
    ),
  );
}

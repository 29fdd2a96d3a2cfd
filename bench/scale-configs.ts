/**
 * One generator for both daemons' configs of a large table — by default keepalived #2318's shape:
 * 2,284 virtual servers × 16 real servers, TCP, wrr, NAT, weight 100, optionally a TCP check on every
 * real server. `keepalivedConf` and `lvsdConf` describe the same IPVS table (the benchmarks check that
 * with a digest of `ipvsadm -S -n` from each daemon's namespace).
 *   node dist/bench/scale-configs.js OUTDIR [SERVICES=2284] [DESTS=16] [--checks]
 * writes OUTDIR/keepalived.conf and OUTDIR/lvsd.toml.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The table both configs describe. */
export interface ScaleTable {
  services: number;
  dests: number;
  /** Virtual address of service s (port 80, TCP). */
  vip: (s: number) => string;
  /** Address of real server d of service s. */
  rs: (s: number, d: number) => string;
  rsPort: number;
  /** Weight of real server d of service s (default 100). */
  weight?: (s: number, d: number) => number;
  /** A TCP check on every real server (keepalived TCP_CHECK, lvsd check type "tcp"). */
  check?: { intervalS: number; timeoutS: number };
}

/** keepalived #2318's size with the address plan of the UML benchmark (VIPs 10.100/16, real servers 10.200/16). */
export function table2318(o: Partial<ScaleTable> = {}): ScaleTable {
  return { services: 2284, dests: 16, vip: vip10100, rs: rs10200(o.dests ?? 16), rsPort: 8080, ...o };
}

/** VIP 10.100.x.y of service s (s < 65,536). */
export function vip10100(s: number): string {
  return `10.100.${(s >> 8) & 255}.${s & 255}`;
}

/** Real server n = s × dests + d at 10.200.0.0/16 + n + 1 (n < 65,534). */
export function rs10200(dests: number): (s: number, d: number) => string {
  return (s, d) => {
    const n = s * dests + d + 1;
    return `10.200.${(n >> 8) & 255}.${n & 255}`;
  };
}

/** keepalived.conf: checker only (no VRRP). */
export function keepalivedConf(t: ScaleTable, routerId = 'scale_bench'): string {
  const w = t.weight ?? (() => 100);
  const check = t.check ? `    TCP_CHECK {\n      connect_timeout ${t.check.timeoutS}\n    }\n` : '';
  const out: string[] = [`global_defs {\n  router_id ${routerId}\n}\n`];
  for (let s = 0; s < t.services; s++) {
    out.push(
      `virtual_server ${t.vip(s)} 80 {\n  delay_loop ${t.check?.intervalS ?? 60}\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n`,
    );
    for (let d = 0; d < t.dests; d++)
      out.push(`  real_server ${t.rs(s, d)} ${t.rsPort} {\n    weight ${w(s, d)}\n${check}  }\n`);
    out.push('}\n');
  }
  return out.join('');
}

/** [global] settings of the lvsd config that are not part of the table. */
export interface LvsdGlobals {
  /** Directory for the control socket and state file. */
  dir: string;
  onShutdown?: 'keep' | 'remove';
  resync?: string;
  metricsListen?: string;
  logLevel?: string;
}

/** lvsd TOML of the same table. */
export function lvsdConf(t: ScaleTable, g: LvsdGlobals): string {
  const w = t.weight ?? (() => 100);
  const check = t.check
    ? `check = { type = "tcp", interval = "${t.check.intervalS}s", timeout = "${t.check.timeoutS}s" }\n`
    : '';
  const out: string[] = [
    `[global]\nrouter_id = "scale-bench"\ncontrol_socket = "${g.dir}/lvsd.sock"\nstate_file = "${g.dir}/state.json"\n` +
      `resync_interval = "${g.resync ?? '1h'}"\non_shutdown = "${g.onShutdown ?? 'keep'}"\nlog_level = "${g.logLevel ?? 'info'}"\n` +
      (g.metricsListen ? `metrics_listen = "${g.metricsListen}"\n` : ''),
  ];
  for (let s = 0; s < t.services; s++) {
    out.push(
      `\n[[virtual_server]]\nname = "vs${s}"\naddress = "${t.vip(s)}"\nport = 80\nprotocol = "tcp"\nscheduler = "wrr"\nforwarding = "nat"\n${check}`,
    );
    for (let d = 0; d < t.dests; d++)
      out.push(
        `  [[virtual_server.real_server]]\n  address = "${t.rs(s, d)}"\n  port = ${t.rsPort}\n  weight = ${w(s, d)}\n`,
      );
  }
  return out.join('');
}

/** `ipvsadm -S -n` as the digest compares it: lines sorted (the kernel's dump order depends on its hash). */
export function canonicalSave(text: string): string {
  return (
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .sort()
      .join('\n') + '\n'
  );
}

function main(argv: string[]): void {
  const dir = argv[0];
  if (!dir) throw new Error('usage: scale-configs.js OUTDIR [SERVICES] [DESTS] [--checks]');
  const nums = argv
    .slice(1)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  const t = table2318({
    services: nums[0] ?? 2284,
    dests: nums[1] ?? 16,
    check: argv.includes('--checks') ? { intervalS: 5, timeoutS: 2 } : undefined,
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'keepalived.conf'), keepalivedConf(t));
  writeFileSync(join(dir, 'lvsd.toml'), lvsdConf(t, { dir }));
  console.log(`${dir}/keepalived.conf and ${dir}/lvsd.toml: ${t.services} × ${t.dests}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));

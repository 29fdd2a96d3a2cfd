/**
 * keepalived's corrections when it puts a virtual server's real servers into one IPVS service
 * (check_data.c's validate_check_config): real servers of another address family skipped,
 * duplicates removed, ports reset to the service port with DR/TUN or cleared for a fwmark service,
 * the quorum capped at the sum of weights; and where its checkers really probe (the port as
 * written), which lvsd keeps with check.connect_port. Each correction becomes a comment.
 */
import { isIP } from 'node:net';
import type { Ctx, Raw } from './context.js';
import type { Forwarding } from './forwarding.js';
import type { RealServerDraft } from './real-server.js';
import type { KaNode } from './tree.js';

/** The IPVS service a virtual server entry is: address and port, or a firewall mark. */
export type Service =
  { address: string; port: number; node: KaNode } | { fwmark: number; family?: 'inet' | 'inet6'; node: KaNode };

export function quorum(
  given: { quorum?: number; hysteresis?: number },
  vs: Raw,
  rs: RealServerDraft[],
  note: (k: string, t: string) => void,
): void {
  let q = given.quorum ?? 1;
  const sum = rs.reduce((a, r) => a + r.weight, 0);
  if (q > sum) {
    note('quorum', `keepalived lowers quorum ${q} to the sum of the real servers' weights, ${sum}`);
    q = sum;
  }
  let h = given.hysteresis ?? 0;
  if (q > 0 && h >= q) {
    note('quorum_hysteresis', `keepalived lowers hysteresis ${h} to quorum - 1`);
    h = q - 1;
  }
  vs.quorum = q;
  vs.quorum_hysteresis = h;
}

export function sorryText(s: { address: string; port?: number }, svc: Service, fwd: Forwarding): string {
  const port = fwd.method === 'nat' ? s.port : 'fwmark' in svc ? 0 : svc.port;
  if (port === undefined || port === 0) return s.address;
  return isIP(s.address) === 6 ? `[${s.address}]:${port}` : `${s.address}:${port}`;
}

/** Real servers with keepalived's port rules, family check and duplicate removal. */
export function placeServers(ctx: Ctx, svc: Service, rs: RealServerDraft[], vsFwd: Forwarding): RealServerDraft[] {
  const fam = 'fwmark' in svc ? undefined : isIP(svc.address);
  const seen = new Set<string>();
  const out: RealServerDraft[] = [];
  for (const r of rs) {
    const method = r.fwd?.method ?? vsFwd.method;
    if (fam !== undefined && method !== 'tun' && isIP(r.address) !== fam) {
      ctx.warn(r.node, 'real_server', "is not of the virtual server's address family; keepalived skips it");
      continue;
    }
    const table = ctx.copy(r.table);
    if ('fwmark' in svc) {
      if (method !== 'nat' && r.port) {
        ctx.note(table, 'port', 'keepalived clears the port of a non-NAT real server of a fwmark service');
        delete table.port;
      }
    } else if (method !== 'nat' && r.port !== undefined && r.port !== svc.port) {
      ctx.note(table, 'port', `keepalived resets the port to the service port ${svc.port} (DR/TUN)`);
      table.port = svc.port;
    } else if (r.port === undefined) table.port = svc.port;
    const key = `${r.address}|${r.port ?? 0}`;
    const placed = `${r.address}|${table.port ?? 0}`;
    if (seen.has(key)) {
      ctx.warn(r.node, 'real_server', 'is a duplicate; keepalived removes the second one');
      continue;
    }
    seen.add(key);
    if (key !== placed && seen.has(placed)) {
      ctx.warn(
        r.node,
        'real_server',
        `is the same server as another once its port is reset to ${table.port ?? 0}; keepalived cannot add it`,
      );
      continue;
    }
    seen.add(placed);
    const check = probePort(ctx, r, table);
    if (
      r.fwd?.method === 'tun' &&
      (r.fwd.tunType ?? 'ipip') !== (vsFwd.method === 'tun' ? (vsFwd.tunType ?? 'ipip') : 'ipip')
    )
      ctx.warn(
        r.node,
        'lvs_method',
        "lvsd sets the tunnel type per virtual server; this server uses the virtual server's",
        'use one tunnel type per virtual server',
      );
    out.push({ ...r, table, check });
  }
  return out;
}

/** Checkers that connect to a port: keepalived's connects to the real server's port as written. */
const PORT_CHECKERS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'DNS_CHECK', 'UDP_CHECK']);

/**
 * keepalived's checker takes the real server's address and port as written in its block (before
 * the port is reset for DR/TUN or cleared for a fwmark service, and 0 when none is written); lvsd
 * probes the destination's port. A connect_port keeps the probe where keepalived's went.
 */
function probePort(ctx: Ctx, r: RealServerDraft, table: Raw): Raw | undefined {
  const c = r.check;
  if (!c || !PORT_CHECKERS.has(r.checker ?? '') || c.connect_port !== undefined) return c;
  const written = r.port ?? 0;
  const dest = typeof table.port === 'number' ? table.port : 0;
  if (written === dest) return c;
  if (written === 0) {
    ctx.warn(
      r.node,
      r.checker!,
      `keepalived's checker probes port 0 for a real server written without a port (it copies the address before the port is filled in), so keepalived always counts it down; lvsd probes port ${dest}`,
      'write the port on the real_server line, or set connect_port',
    );
    return c;
  }
  ctx.note(table, 'port', `keepalived's checker probes port ${written} as written (check.connect_port)`);
  return { ...c, connect_port: written };
}

/** keepalived's inhibit_on_failure is per real server; lvsd's on_failure per virtual server. */
export function onFailure(ctx: Ctx, vsInhibit: boolean | undefined, rs: RealServerDraft[]): string {
  const inhibit = rs.map((r) => r.inhibit ?? vsInhibit ?? false);
  const weight0 = inhibit.filter(Boolean).length;
  const choice = weight0 * 2 >= inhibit.length && weight0 > 0;
  rs.forEach((r, i) => {
    if (inhibit[i] !== choice)
      ctx.warn(
        r.node,
        'inhibit_on_failure',
        `lvsd sets on_failure per virtual server; this one is "${choice ? 'weight0' : 'remove'}" like most of its real servers`,
        'split the real servers into two virtual servers if they must differ',
      );
  });
  return choice ? 'weight0' : 'remove';
}

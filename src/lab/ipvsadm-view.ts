/**
 * Reads `ipvsadm -Ln` text (the operator's view, which is what the lab shows and checks) into a
 * small structure. Pure. Only what the lab needs: services and their destinations' weights.
 */

/** One real server line of `ipvsadm -Ln`. */
export interface ViewDest {
  address: string; // "10.99.0.21:80"
  forward: string; // Route | Masq | Tunnel | Local
  weight: number;
  active: number;
  inactive: number;
}

/** One virtual service of `ipvsadm -Ln`: `key` is "TCP 10.99.0.50:80" (protocol and address). */
export interface ViewService {
  key: string;
  scheduler: string;
  dests: ViewDest[];
}

const SERVICE = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\S+)/;
const DEST = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;

/**
 * Parses `ipvsadm -Ln` output. Header lines are skipped; a destination line before any service,
 * or a line matching neither shape, is ignored (ipvsadm prints nothing else in this mode).
 */
export function parseIpvsadmList(text: string): ViewService[] {
  const services: ViewService[] = [];
  for (const line of text.split('\n')) {
    const s = SERVICE.exec(line);
    if (s) {
      services.push({ key: `${s[1]} ${s[2]}`, scheduler: s[3], dests: [] });
      continue;
    }
    const d = DEST.exec(line);
    if (d && services.length > 0 && d[1] !== 'RemoteAddress:Port') {
      const [, address, forward, weight, active, inactive] = d;
      services[services.length - 1].dests.push({
        address,
        forward,
        weight: +weight,
        active: +active,
        inactive: +inactive,
      });
    }
  }
  return services;
}

/** The weight of `dest` ("10.99.0.22:80") in service `key`, or undefined when either is absent. */
export function weightOf(view: ViewService[], key: string, dest: string): number | undefined {
  return view.find((s) => s.key === key)?.dests.find((d) => d.address === dest)?.weight;
}

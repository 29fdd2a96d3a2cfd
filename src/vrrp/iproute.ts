/**
 * HostNet over iproute2 (`ip -json ...` and `ip monitor`): the fallback when rtnetlink is not
 * available in this build. Slower per operation (a process per call, a few ms) but never blocks
 * the event loop. Runs in the calling process's network namespace.
 */
import { execFile, spawn } from 'node:child_process';
import { isIP } from 'node:net';
import type { HostAddr, HostEvent, HostLink, HostNet, VipSpec } from './hostnet.js';

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('ip', args, { encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    ),
  );
}

interface IpLink {
  ifindex: number;
  ifname: string;
  address?: string;
  flags: string[];
  operstate?: string;
}
interface IpAddr {
  ifindex: number;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}

const isUp = (flags: string[]) => flags.includes('UP') && flags.includes('LOWER_UP');

/** Opens a HostNet backed by the `ip` command. */
export function openIprouteHost(): HostNet {
  const names = new Map<number, string>();
  return {
    async links(): Promise<HostLink[]> {
      const ls = JSON.parse(await ip(['-json', 'link', 'show'])) as IpLink[];
      for (const l of ls) names.set(l.ifindex, l.ifname);
      return ls.map((l) => ({
        index: l.ifindex,
        name: l.ifname,
        mac: l.address ?? '00:00:00:00:00:00',
        up: isUp(l.flags),
      }));
    },
    async addresses(): Promise<HostAddr[]> {
      const as = JSON.parse(await ip(['-json', 'addr', 'show'])) as IpAddr[];
      return as.flatMap((a) =>
        a.addr_info.map(
          (x) =>
            ({
              ifindex: a.ifindex,
              family: x.family === 'inet6' ? 6 : 4,
              address: x.local,
              prefixlen: x.prefixlen,
            }) as HostAddr,
        ),
      );
    },
    async addVip(v: VipSpec): Promise<void> {
      const dev = names.get(v.ifindex) ?? String(v.ifindex);
      const extra = isIP(v.address) === 6 ? ['nodad'] : v.label ? ['label', v.label] : [];
      await ip(['addr', 'replace', `${v.address}/${v.prefixlen}`, 'dev', dev, ...extra]);
    },
    async delVip(v: VipSpec): Promise<void> {
      const dev = names.get(v.ifindex) ?? String(v.ifindex);
      await ip(['addr', 'del', `${v.address}/${v.prefixlen}`, 'dev', dev]).catch((e: Error) => {
        if (!/Cannot assign requested address|No such device/.test(e.message)) throw e;
      });
    },
    subscribe(cb: (ev: HostEvent) => void): () => void {
      const p = spawn('ip', ['-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
          const ev = parseMonitor(buf.slice(0, k));
          buf = buf.slice(k + 1);
          if (ev) cb(ev);
        }
      });
      p.unref();
      (p.stdout as unknown as { unref?: () => void }).unref?.();
      return () => p.kill();
    },
    close: () => undefined,
  };
}

/** Parses one `ip -o monitor link address` line. */
export function parseMonitor(line: string): HostEvent | undefined {
  const link = /^(Deleted )?(\d+): ([^:@\s]+)[^<]*<([^>]*)>/.exec(line);
  if (link && !/ inet6? /.test(line))
    return { kind: 'link', index: Number(link[2]), name: link[3]!, up: !link[1] && isUp(link[4]!.split(',')) };
  const addr = /^(Deleted )?(\d+): \S+\s+inet6? ([^/\s]+)\//.exec(line);
  if (addr) return { kind: 'addr', added: !addr[1], ifindex: Number(addr[2]), address: addr[3]! };
  return undefined;
}

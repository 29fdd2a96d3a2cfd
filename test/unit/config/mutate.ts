/** A seeded TOML mutator for the loader fuzz: small, structure-aware edits of valid configs. */

/** mulberry32: a tiny seeded PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = [
  '0',
  '-1',
  '1',
  '65535',
  '65536',
  '4294967296',
  '1.5',
  'nan',
  'inf',
  'true',
  'false',
  '""',
  '"x"',
  '"80a"',
  '"1s"',
  '"0s"',
  '"-1s"',
  '"1h30m"',
  '"10.0.0.1"',
  '"::1"',
  '"10.0.0.1:80"',
  '"[::1]:80"',
  '"255.255.255.0"',
  '[]',
  '[1, "a"]',
  '["sh-port"]',
  '{}',
  '{ type = "tcp" }',
  '{ type = "http", path = 1 }',
  '1979-05-27T07:32:00Z',
  '"wrr"',
  '"dr"',
  '"tun"',
  '"gue"',
  '"remove"',
  '"\\u0000"',
  "'''\nx'''",
];
const KEYS = [
  'name',
  'address',
  'port',
  'protocol',
  'fwmark',
  'family',
  'scheduler',
  'scheduler_flags',
  'forwarding',
  'tun_type',
  'tun_port',
  'persistence',
  'persistence_netmask',
  'quorum',
  'sorry_server',
  'slow_start',
  'weight',
  'upper_threshold',
  'lower_threshold',
  'check',
  'type',
  'interval',
  'timeout',
  'rise',
  'fall',
  'virtual_router_id',
  'track_virtual_server',
  'bogus_key',
];
const CHARS = ['=', '[', ']', '{', '}', '"', "'", ',', '.', '\n', '#', ' ', '0', 'a', ':', '\\', '\u00e9', '\t'];

/** One to three random edits of `text`. */
export function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let t = text;
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const lines = t.split('\n');
    const li = Math.floor(rnd() * lines.length);
    const line = lines[li]!;
    const eq = line.indexOf('=');
    switch (Math.floor(rnd() * 9)) {
      case 0:
        if (eq > 0) lines[li] = `${line.slice(0, eq + 1)} ${pick(VALUES)}`;
        break;
      case 1:
        if (eq > 0) lines[li] = `${pick(KEYS)} ${line.slice(eq)}`;
        break;
      case 2:
        lines.splice(li, 1);
        break;
      case 3:
        lines.splice(li, 0, line);
        break;
      case 4:
        lines.splice(li, 0, `${pick(KEYS)} = ${pick(VALUES)}`);
        break;
      case 5: {
        const c = Math.floor(rnd() * (line.length + 1));
        lines[li] = line.slice(0, c) + pick(CHARS) + line.slice(c);
        break;
      }
      case 6: {
        const c = Math.floor(rnd() * line.length);
        lines[li] = line.slice(0, c) + line.slice(c + 1);
        break;
      }
      case 7: {
        const lj = Math.floor(rnd() * lines.length);
        [lines[li], lines[lj]] = [lines[lj]!, line];
        break;
      }
      case 8:
        lines.splice(
          li,
          0,
          pick([
            '[[virtual_server]]',
            '[[virtual_server.real_server]]',
            '[global]',
            '[virtual_server.check]',
            '[[vrrp_instance]]',
          ]),
        );
        break;
    }
    t = lines.join('\n');
  }
  return t;
}

/**
 * One `real_server IP [PORT] { ... }` block → a draft of an lvsd real server: its table (address,
 * port, weight, thresholds, forwarding), its inhibit_on_failure, and the complete check of its first
 * checker (timing inherited from the virtual server, overridden by the real server's own keywords).
 */
import { isIP } from 'node:net';
import { CHECKERS, mapChecker, type Inherited } from './checker.js';
import { Ctx, walk, type Raw } from './context.js';
import type { KaNode } from './tree.js';
import { forwarding, type Forwarding } from './forwarding.js';

const WEIGHT_MAX = 65535;

/** A real server before keepalived's per-service port rules are applied. */
export interface RealServerDraft {
  node: KaNode;
  address: string;
  port?: number;
  weight: number;
  fwd?: Forwarding;
  inhibit?: boolean;
  table: Raw;
  check?: Raw;
  /** The keepalived checker the check came from (TCP_CHECK, HTTP_GET, ...). */
  checker?: string;
}

/** Maps one real_server block; undefined (after a finding) when its address is not usable. */
export function mapRealServer(
  ctx: Ctx,
  node: KaNode,
  vsInh: Inherited,
  vsWeight: number | undefined,
  vsFwd: Forwarding | undefined,
): RealServerDraft | undefined {
  const [, address, p] = node.words;
  const port = p === undefined ? undefined : /^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : NaN;
  if (address === undefined || !isIP(address) || Number.isNaN(port)) {
    ctx.warn(node, 'real_server', `"${node.words.slice(1).join(' ')}" is not an address and port; keepalived skips it`);
    return undefined;
  }
  const own: Partial<Inherited> = {};
  const checkers: KaNode[] = [];
  const d: RealServerDraft = { node, address, port: port || undefined, weight: vsWeight ?? 1, table: {} };
  let upper = 0;
  let lower = 0;
  let lowerNode: KaNode | undefined;
  walk(ctx, 'real_server', node.block, {
    weight: (n) => void (d.weight = ctx.int(n, 0, 0x7fffffff) ?? d.weight),
    lvs_method: (n) => void (d.fwd = forwarding(ctx, n) ?? d.fwd),
    uthreshold: (n) => void (upper = ctx.int(n, 0, 65535) ?? upper),
    lthreshold: (n) => ((lower = ctx.int(n, 0, 65535) ?? lower), (lowerNode = n)),
    inhibit_on_failure: (n) => void (d.inhibit = ctx.bool(n) ?? d.inhibit),
    alpha: (n) => void (own.alpha = ctx.bool(n) ?? own.alpha),
    retry: (n) => void (own.retry = ctx.int(n, 1, 0xffffffff) ?? own.retry),
    delay_before_retry: (n) => void (own.delayBeforeRetry = ctx.seconds(n) ?? own.delayBeforeRetry),
    connect_timeout: (n) => {
      own.connectTimeout = ctx.seconds(n, 1) ?? own.connectTimeout;
      own.connectTimeoutNode = n;
    },
    delay_loop: (n) => void (own.delayLoop = ctx.seconds(n, 1) ?? own.delayLoop),
    warmup: (n) => void (own.warmup = ctx.seconds(n) ?? own.warmup),
    virtualhost: (n) => void (own.virtualhost = ctx.arg(n) ?? own.virtualhost),
    ...Object.fromEntries(CHECKERS.map((c) => [c, (n: KaNode) => void checkers.push(n)])),
  });
  const t = d.table;
  t.address = address;
  if (d.port !== undefined) t.port = d.port;
  if (d.weight > WEIGHT_MAX) {
    ctx.warn(
      node,
      'weight',
      `lvsd takes weights up to ${WEIGHT_MAX} (like keepalived's documentation); ${d.weight} is capped`,
    );
    d.weight = WEIGHT_MAX;
  }
  t.weight = d.weight;
  if (upper) t.upper_threshold = upper;
  if (lower && (upper === 0 || lower > upper))
    ctx.warn(lowerNode!, 'lthreshold', `lvsd needs lthreshold within uthreshold (${upper || 'unset'}); left out`);
  else if (lower) t.lower_threshold = lower;
  if (d.fwd && d.fwd.method !== (vsFwd?.method ?? 'nat')) t.forwarding = d.fwd.method;
  const inherited: Inherited = { ...vsInh, ...definedOnly(own) };
  for (const [i, c] of checkers.entries()) {
    if (i > 0) {
      ctx.warn(
        c,
        c.words[0]!,
        `lvsd runs one check per real server; keepalived needs all ${checkers.length} checkers up, this one is not imported`,
        'keep the most telling checker, or combine them in one MISC_CHECK script',
      );
      continue;
    }
    d.check = mapChecker(ctx, c, inherited);
    d.checker = c.words[0];
  }
  return d;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

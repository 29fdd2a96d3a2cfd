/**
 * keepalived checker blocks (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, MISC_CHECK,
 * UDP_CHECK, PING_CHECK) → one complete lvsd `check` table. Timing follows keepalived: a value
 * in the checker, else the real server's, else the virtual server's, else keepalived's default
 * for that checker (delay_loop 60 s, connect_timeout 5 s, retry 1 (DNS 3, MISC 0),
 * delay_before_retry 1 s (HTTP/SSL 3 s, DNS the delay_loop), warmup up to the delay_loop).
 *
 * Failure detection is made equivalent: keepalived marks a server down after `retry` retries of a
 * failed check, `delay_before_retry` apart, and up after one success. lvsd does the same with
 * retries = retry, retry_delay = delay_before_retry, fall = 1 (one failed round, whose attempts
 * are the first try and the retries) and rise = 1.
 */
import { isIP } from 'node:net';
import { Ctx, dur, walk, type Raw } from './context.js';
import { readHex } from './hex.js';
import { http } from './http-checker.js';
import type { Inherited, KindMapping } from './checker-types.js';

export type { Inherited } from './checker-types.js';
import type { KaNode } from './tree.js';
import { splitQuoted } from './tree.js';

/** Checker keywords lvsd maps to a check type. */
export const CHECKERS = [
  'TCP_CHECK',
  'HTTP_GET',
  'SSL_GET',
  'SMTP_CHECK',
  'DNS_CHECK',
  'MISC_CHECK',
  'UDP_CHECK',
  'PING_CHECK',
];

const TYPE: Record<string, string> = {
  TCP_CHECK: 'tcp',
  HTTP_GET: 'http',
  SSL_GET: 'https',
  SMTP_CHECK: 'tcp',
  DNS_CHECK: 'dns',
  MISC_CHECK: 'script',
  UDP_CHECK: 'udp',
  PING_CHECK: 'icmp',
};
const DEFAULT_RETRY: Record<string, number> = { DNS_CHECK: 3, MISC_CHECK: 0 };
const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'];

/** Common keywords as the checker sets them. */
interface Own {
  alpha?: boolean;
  retry?: number;
  connectTimeout?: number;
  delayLoop?: number;
  warmup?: number;
  delayBeforeRetry?: number;
  timeoutNode?: KaNode;
}

/** Maps one checker block to a complete lvsd check table, or undefined when keepalived would drop the checker. */
export function mapChecker(ctx: Ctx, node: KaNode, inh: Inherited): Raw | undefined {
  const kind = node.words[0]!;
  const check: Raw = { type: TYPE[kind] };
  const own: Own = {};
  const extra = kindHandlers(ctx, kind, check, inh, own);
  walk(ctx, kind, node.block, { ...commonHandlers(ctx, kind, check, own), ...extra.handlers });
  if (!extra.finish(node)) return undefined;
  timing(ctx, node, kind, check, own, inh);
  return check;
}

function commonHandlers(ctx: Ctx, kind: string, check: Raw, own: Own): Record<string, (n: KaNode) => void> {
  const address = (key: string) => (n: KaNode) => {
    const v = ctx.arg(n);
    if (v !== undefined && isIP(v)) check[key] = v;
    else if (v !== undefined) ctx.warn(n, n.words[0]!, `"${v}" is not an IP address; keepalived ignores it`);
  };
  const h: Record<string, (n: KaNode) => void> = {
    connect_ip: address('connect_ip'),
    bindto: address('bindto'),
    connect_port: (n) => {
      const p = ctx.int(n, 1, 65535);
      if (p !== undefined) check.connect_port = p;
    },
    connect_timeout: (n) => {
      own.connectTimeout = ctx.seconds(n, 1) ?? own.connectTimeout;
      own.timeoutNode = n;
    },
    retry: (n) => void (own.retry = ctx.int(n, 0, 0xffffffff) ?? own.retry),
    nb_get_retry: (n) => void (own.retry = ctx.int(n, 0, 0xffffffff) ?? own.retry),
    delay_before_retry: (n) => void (own.delayBeforeRetry = ctx.seconds(n) ?? own.delayBeforeRetry),
    warmup: (n) => void (own.warmup = ctx.seconds(n) ?? own.warmup),
    delay_loop: (n) => void (own.delayLoop = ctx.seconds(n, 1) ?? own.delayLoop),
    alpha: (n) => void (own.alpha = ctx.bool(n) ?? own.alpha),
  };
  if (kind === 'PING_CHECK') {
    // lvsd's icmp check has no port and probes from one shared socket.
    h.connect_port = (n) => ctx.warn(n, 'connect_port', 'an ICMP check has no port; keepalived ignores it too');
    h.bindto = (n) =>
      ctx.warn(n, 'bindto', 'lvsd sends every ICMP probe from one shared socket', 'route by destination instead');
  }
  if (kind === 'MISC_CHECK') {
    for (const k of ['connect_ip', 'connect_port', 'bindto', 'connect_timeout'])
      h[k] = (n) => ctx.warn(n, k, 'a MISC_CHECK has no connection; keepalived ignores it');
  }
  return h;
}

/** keepalived's resolution order and defaults, then lvsd's keys. */
function timing(ctx: Ctx, node: KaNode, kind: string, check: Raw, own: Own, inh: Inherited): void {
  const delayLoop = own.delayLoop ?? inh.delayLoop ?? 60_000;
  const retry = own.retry ?? inh.retry ?? DEFAULT_RETRY[kind] ?? 1;
  const defaultDbr = kind === 'HTTP_GET' || kind === 'SSL_GET' ? 3000 : kind === 'DNS_CHECK' ? delayLoop : 1000;
  const dbr = own.delayBeforeRetry ?? inh.delayBeforeRetry ?? defaultDbr;
  const warmup = own.warmup ?? inh.warmup ?? delayLoop;
  check.interval = dur(delayLoop);
  // MISC_CHECK: misc_timeout, else the virtual server's delay_loop; the others: connect_timeout, else 5 s.
  const timeout =
    kind === 'MISC_CHECK' ? own.connectTimeout || inh.vsDelayLoop : (own.connectTimeout ?? inh.connectTimeout ?? 5000);
  const timeoutNode = own.timeoutNode ?? (kind === 'MISC_CHECK' ? undefined : inh.connectTimeoutNode);
  if (timeout > delayLoop && timeoutNode)
    ctx.warn(
      timeoutNode,
      timeoutNode.words[0]!,
      `lvsd needs the timeout within the interval (delay_loop ${dur(delayLoop)}); used ${dur(delayLoop)}`,
      'raise delay_loop or lower the timeout',
    );
  check.timeout = dur(Math.min(timeout, delayLoop));
  check.rise = 1;
  check.fall = 1;
  if (own.alpha ?? inh.alpha) check.initial = 'down';
  if (warmup === 0) check.warmup = false;
  else if (warmup !== delayLoop)
    ctx.warn(node, 'warmup', `lvsd spreads the first probe over one interval (${dur(delayLoop)}), not ${dur(warmup)}`);
  if (retry > 10)
    ctx.warn(node, 'retry', `lvsd retries at most 10 times within a round, not ${retry}`, 'use retry 10 or less');
  check.retries = Math.min(retry, 10);
  if (retry > 0) check.retry_delay = dur(dbr);
}

function kindHandlers(ctx: Ctx, kind: string, check: Raw, inh: Inherited, own: Own): KindMapping {
  switch (kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return http(ctx, kind, check, inh);
    case 'DNS_CHECK':
      return dns(ctx, check);
    case 'MISC_CHECK':
      return misc(ctx, check, own);
    case 'UDP_CHECK':
      return udp(ctx, check);
    case 'SMTP_CHECK':
      check.expect = '^220[ -]';
      return {
        handlers: {},
        finish: (n) => {
          ctx.warn(
            n,
            'SMTP_CHECK',
            'mapped to a tcp check that expects the 220 greeting; keepalived also sends HELO and expects 250',
            'a script check (e.g. swaks or nc) for the full exchange',
          );
          return true;
        },
      };
    default:
      return { handlers: {}, finish: () => true };
  }
}

function dns(ctx: Ctx, check: Raw): KindMapping {
  check.query_type = 'SOA';
  check.name = '.';
  return {
    handlers: {
      type: (n) => {
        const v = ctx.arg(n)?.toUpperCase();
        if (v !== undefined && DNS_TYPES.includes(v)) check.query_type = v;
        else if (v !== undefined)
          ctx.warn(n, 'type', `"${n.words[1]}" is not one of ${DNS_TYPES.join(' ')}; keepalived ignores it`);
      },
      name: (n) => {
        const v = ctx.arg(n);
        if (v === undefined) return;
        if (keepalivedNameOk(v)) check.name = v === '' ? '.' : v;
        else
          ctx.warn(
            n,
            'name',
            `keepalived 2.2.7 finds an "empty label" in "${v}" and ignores it, so it queries "." (its check also rejects any name whose second character is a dot)`,
            'use a name keepalived accepts, e.g. with a longer first label',
          );
      },
    },
    finish: () => true,
  };
}

/** keepalived 2.2.7's dns_name_handler check: a leading "." (unless the root), or a "." after the start or after a dot. */
export function keepalivedNameOk(name: string): boolean {
  if (name[0] === '.' && name.length > 1) return false;
  for (let p = 0; p >= 0; p = name.indexOf('.', p + 1)) if (name[p + 1] === '.') return false;
  return true;
}

function misc(ctx: Ctx, check: Raw, own: Own): KindMapping {
  return {
    handlers: {
      misc_path: (n) => {
        const words = splitQuoted(n.text);
        const argv = words && words[1] !== undefined ? splitQuoted(words[1]) : undefined;
        if (argv && argv.length > 0 && argv.every((a) => a !== '')) check.command = argv;
        else ctx.warn(n, 'misc_path', 'cannot split the command line (an unclosed quote or an empty word)');
      },
      misc_timeout: (n) => {
        const s = ctx.int(n, 0, 4294);
        if (s) ((own.connectTimeout = s * 1000), (own.timeoutNode = n));
      },
      misc_dynamic: () => void (check.dynamic = true),
    },
    finish: (n) => {
      if (check.command !== undefined) return true;
      ctx.warn(
        n,
        'MISC_CHECK',
        'has no misc_path: keepalived drops this checker (the server counts as up)',
        'add misc_path',
      );
      return false;
    },
  };
}

function udp(ctx: Ctx, check: Raw): KindMapping {
  return {
    handlers: {
      payload: (n) => {
        const hex = readHex(n.words.slice(1).join(' '), false);
        if (hex?.bytes) check.payload_hex = hex.bytes;
        else ctx.warn(n, 'payload', 'is not a hex string; keepalived ignores it');
      },
      require_reply: (n) => {
        check.require_reply = true;
        if (n.words.length < 2) return;
        const hex = readHex(n.words.slice(1).join(' '), true);
        if (!hex) ctx.warn(n, 'require_reply', 'is not a hex string; keepalived ignores it');
        else if (hex.wildcard)
          ctx.warn(
            n,
            'require_reply',
            'lvsd matches reply bytes exactly; X wildcards are not supported, so only a reply is required',
            'list the fixed leading bytes only',
          );
        else check.expect_hex = hex.bytes;
      },
    },
    finish: () => true,
  };
}

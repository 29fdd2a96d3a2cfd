/**
 * The static list of checker kinds. Adding a kind = one schema file (schemas/<kind>.ts), one checker
 * file, one line in schema.ts's union and one line here. Each kind's implementation module is imported
 * on first use (lazy-checker.ts): a config with only tcp checks never loads dns-packet, TLS or koffi's
 * ICMP sockets.
 */
import type { Checker } from './checker.js';
import { httpSchema, httpsSchema } from './http-schema.js';
import { lazyChecker, type LazyChecker } from './lazy-checker.js';
import type { CheckSpec } from './schema.js';
import { dnsSchema } from './schemas/dns.js';
import { icmpSchema } from './schemas/icmp.js';
import { scriptSchema } from './schemas/script.js';
import { tcpSchema } from './schemas/tcp.js';
import { udpSchema } from './schemas/udp.js';

/** Options for the per-engine checker instances (shared sockets, agents and script slots live in them). */
export interface CheckerOptions {
  maxConcurrentScripts?: number;
  /** Idle sockets the tcp checker keeps for reuse (native/tcp-connect.ts); 0 or unset: none. */
  tcpIdleSockets?: number;
}

/**
 * Builds one instance of every checker, keyed by kind, each loading its module on first use (call a
 * checker's `load()` to start that early). The engine closes them on stop().
 */
export function createCheckers(opts: CheckerOptions = {}): ReadonlyMap<string, LazyChecker<CheckSpec>> {
  // http and https share one module and one pair of checkers
  let http: ReturnType<typeof import('./http.js').createHttpCheckers> | undefined;
  const httpPair = async () => (http ??= (await import('./http.js')).createHttpCheckers());
  const list: LazyChecker<never>[] = [
    lazyChecker('tcp', tcpSchema, async () => (await import('./tcp.js')).createTcpChecker(opts.tcpIdleSockets)),
    lazyChecker('http', httpSchema, async () => (await httpPair()).http),
    lazyChecker('https', httpsSchema, async () => (await httpPair()).https),
    lazyChecker('icmp', icmpSchema, async () => (await import('./icmp.js')).createIcmpChecker()),
    lazyChecker('udp', udpSchema, async () => (await import('./udp.js')).udpChecker),
    lazyChecker('dns', dnsSchema, async () => (await import('./dns.js')).dnsChecker),
    lazyChecker('script', scriptSchema, async () =>
      (await import('./script.js')).createScriptChecker(opts.maxConcurrentScripts),
    ),
  ];
  return new Map(list.map((c) => [c.kind, c as unknown as LazyChecker<CheckSpec>]));
}

/** Starts loading the checker of every kind in `kinds` that loads on demand (others are ignored). */
export function preloadCheckers(checkers: ReadonlyMap<string, Checker<CheckSpec>>, kinds: Iterable<string>): void {
  for (const k of kinds) void (checkers.get(k) as Partial<LazyChecker<CheckSpec>> | undefined)?.load?.();
}

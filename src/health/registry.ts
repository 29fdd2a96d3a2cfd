/**
 * The static list of checker kinds. Adding a kind = one file exporting its schema and checker, one
 * line in schema.ts's union and one line here.
 */
import type { Checker } from './checker.js';
import { dnsChecker } from './dns.js';
import { createHttpCheckers } from './http.js';
import { createIcmpChecker } from './icmp.js';
import type { CheckSpec } from './schema.js';
import { createScriptChecker } from './script.js';
import { createTcpChecker } from './tcp.js';
import { udpChecker } from './udp.js';

/** Options for the per-engine checker instances (shared sockets, agents and script slots live in them). */
export interface CheckerOptions {
  maxConcurrentScripts?: number;
}

/** Builds one instance of every checker, keyed by kind. The engine closes them on stop(). */
export function createCheckers(opts: CheckerOptions = {}): ReadonlyMap<string, Checker<CheckSpec>> {
  const { http, https } = createHttpCheckers();
  const list: Checker<never>[] = [createTcpChecker(), http, https, createIcmpChecker(), udpChecker, dnsChecker, createScriptChecker(opts.maxConcurrentScripts)];
  return new Map(list.map((c) => [c.kind, c as unknown as Checker<CheckSpec>]));
}

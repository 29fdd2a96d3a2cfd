/**
 * ipaddr.js, loaded with require() on first use rather than by `import`. An ES import of a
 * CommonJS package makes Node first start its CommonJS export scanner (cjs-module-lexer, compiled
 * WebAssembly): about 1,800 page faults, measured as ~0.4 s of every `lvsd ipvs ...` command
 * inside user-mode Linux, where page faults are slow. require() skips the scanner, and loading on
 * first use means IPv4-only tables (dotted quads have a fast path) never load it at all.
 */
import { createRequire } from 'node:module';
import type ipaddrModule from 'ipaddr.js';

let loaded: typeof ipaddrModule | undefined;

/** The ipaddr.js module (the API of `import ipaddr from 'ipaddr.js'`), loaded on the first call. */
export function ipaddr(): typeof ipaddrModule {
  loaded ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrModule;
  return loaded;
}

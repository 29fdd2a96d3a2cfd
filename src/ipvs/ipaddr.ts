/**
 * ipaddr.js, loaded with require() rather than `import`. An ES import of a CommonJS package makes
 * Node first start its CommonJS export scanner (cjs-module-lexer, compiled WebAssembly): about
 * 1,800 page faults, measured as ~0.4 s of every `lvsd ipvs ...` command inside user-mode Linux,
 * where page faults are slow. require() loads the same module without the scanner (~60 faults).
 */
import { createRequire } from 'node:module';
import type ipaddrModule from 'ipaddr.js';

/** The ipaddr.js module (same API as `import ipaddr from 'ipaddr.js'`). */
export const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrModule;

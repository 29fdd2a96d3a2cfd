/**
 * A prom-client Registry for series nobody scrapes (VRRP's, when there is no metrics listener).
 * Its own module so that callers load prom-client with a dynamic import of THIS file: a dynamic
 * import of prom-client itself (CommonJS) has named exports under Node's loader but only `default`
 * inside the esbuild bundle that bin/ runs.
 */
import { Registry } from 'prom-client';

/** A new, empty registry. */
export function newRegistry(): Registry {
  return new Registry();
}

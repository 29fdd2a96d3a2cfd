/**
 * What every `lvsd ipvs` subcommand shares: where it reads and writes (tests pass their own), its
 * option check, and a client opened for one command.
 */
import type { IpvsClient } from '../ipvs/client.js';
import { IpvsError } from '../ipvs/errors.js';

/** Where the CLI reads and writes (tests pass their own). */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  stdin(): Promise<string>;
  open(): Promise<IpvsClient>;
}

/** The options in `rest`, refusing any not in `allowed` (IpvsError 'IPVS_USAGE'). */
export function flags(rest: string[], allowed: string[]): Set<string> {
  const bad = rest.find((a) => !allowed.includes(a));
  if (bad !== undefined) throw new IpvsError('IPVS_USAGE', `unknown option "${bad}"`);
  return new Set(rest);
}

/** Runs `fn` with a client opened by `io`, closed afterwards. */
export async function withClient<T>(io: CliIo, fn: (c: IpvsClient) => Promise<T>): Promise<T> {
  const c = await io.open();
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/**
 * script: run an argv (no shell) with a timeout; the whole process group is killed on timeout.
 * Exit 0 = up. With `dynamic`, the exit code gives a weight like keepalived's misc_dynamic:
 * 0 = up (weight unchanged), 1 = down, 2..255 = up with weight code-2.
 */
import { z } from 'zod';
import { commonShape } from './common.js';

const { connect_ip: _a, connect_port: _b, bindto: _c, ...scriptCommon } = commonShape;

/** TOML block of a script check. The script gets LVSD_RS_ADDRESS and LVSD_RS_PORT in its environment. */
export const scriptSchema = z.strictObject({
  type: z.literal('script'),
  ...scriptCommon,
  /** argv: program and arguments, run without a shell. */
  command: z.array(z.string().min(1)).min(1, 'command needs at least the program path'),
  /** Exit code → weight (keepalived misc_dynamic). */
  dynamic: z.boolean().default(false),
});

/** A validated script check. */
export type ScriptSpec = z.output<typeof scriptSchema>;

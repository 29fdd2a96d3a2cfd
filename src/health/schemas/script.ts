/**
 * The zod schema of the `script` check block, apart from the checker (script.ts), so validating a config
 * loads no probe code (see src/health/schema.ts).
 */
import { z } from 'zod';
import { commonShape } from '../common.js';

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

/**
 * The zod schema of the `icmp` check block, apart from the checker (icmp.ts), so validating a config
 * loads no probe code (see src/health/schema.ts).
 */
import { z } from 'zod';
import { commonShape } from '../common.js';

const { connect_port: _noPort, bindto: _noBind, ...icmpCommon } = commonShape;

/**
 * TOML block of an icmp check. No connect_port (ICMP has no port) and no bindto (one shared socket
 * serves every probe): both are rejected as unknown keys.
 */
export const icmpSchema = z.strictObject({
  type: z.literal('icmp'),
  ...icmpCommon,
  /** Echo payload bytes (default 56, like ping). */
  size: z.int().min(0).max(1400).default(56),
});

/** A validated icmp check. */
export type IcmpSpec = z.output<typeof icmpSchema>;

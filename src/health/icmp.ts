/**
 * icmp: echo request/reply (IPv4 and IPv6) over ONE shared socket, replies matched by id/seq.
 */
import { z } from 'zod';
import { commonShape } from './common.js';

const { connect_port: _noPort, ...icmpCommon } = commonShape;

/** TOML block of an icmp check (no port: connect_port is rejected as an unknown key). */
export const icmpSchema = z.strictObject({
  type: z.literal('icmp'),
  ...icmpCommon,
  /** Echo payload bytes (default 56, like ping). */
  size: z.int().min(0).max(1400).default(56),
});

/** A validated icmp check. */
export type IcmpSpec = z.output<typeof icmpSchema>;

/**
 * The zod schema of the `udp` check block, apart from the checker (udp.ts), so validating a config
 * loads no probe code (see src/health/schema.ts).
 */
import { z } from 'zod';
import { commonShape, hexSchema, regexSchema, textOrHex } from '../common.js';

/** TOML block of a udp check. Setting expect/expect_hex implies require_reply. */
export const udpSchema = z
  .strictObject({
    type: z.literal('udp'),
    ...commonShape,
    payload: z.string().optional(),
    payload_hex: hexSchema.optional(),
    require_reply: z.boolean().default(false),
    expect: regexSchema.optional(),
    expect_hex: hexSchema.optional(),
  })
  .superRefine((v, ctx) => {
    textOrHex(v, ctx, 'payload', 'payload_hex');
    textOrHex(v, ctx, 'expect', 'expect_hex');
  });

/** A validated udp check. */
export type UdpSpec = z.output<typeof udpSchema>;

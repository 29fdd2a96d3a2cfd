/**
 * udp: send a payload over a connected socket; an ICMP port unreachable (ECONNREFUSED) is a failure,
 * and so is silence when a reply is required; a reply may have to match bytes or a regex.
 */
import { z } from 'zod';
import { commonShape, hexSchema, regexSchema } from './common.js';

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
    if (v.payload !== undefined && v.payload_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['payload_hex'], message: 'use either payload or payload_hex, not both' });
    if (v.expect !== undefined && v.expect_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['expect_hex'], message: 'use either expect or expect_hex, not both' });
  });

/** A validated udp check. */
export type UdpSpec = z.output<typeof udpSchema>;

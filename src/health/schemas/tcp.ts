/**
 * The zod schema of the `tcp` check block, apart from the checker (tcp.ts), so validating a config
 * loads no probe code (see src/health/schema.ts).
 */
import { z } from 'zod';
import { commonShape, hexSchema, regexSchema, textOrHex } from '../common.js';

/** TOML block of a tcp check. `send`/`send_hex` and `expect`/`expect_hex` are mutually exclusive. */
export const tcpSchema = z
  .strictObject({
    type: z.literal('tcp'),
    ...commonShape,
    send: z.string().optional(),
    send_hex: hexSchema.optional(),
    expect: regexSchema.optional(),
    expect_hex: hexSchema.optional(),
  })
  .superRefine((v, ctx) => {
    textOrHex(v, ctx, 'send', 'send_hex');
    textOrHex(v, ctx, 'expect', 'expect_hex');
  });

/** A validated tcp check. */
export type TcpSpec = z.output<typeof tcpSchema>;

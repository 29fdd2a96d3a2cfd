/**
 * tcp: connect to the target; optionally send bytes and expect a reply matching a regex or bytes.
 * The socket is closed with a RST (SO_LINGER 0) so thousands of probes per second leave no TIME_WAIT.
 */
import { z } from 'zod';
import { commonShape, hexSchema, regexSchema } from './common.js';

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
    if (v.send !== undefined && v.send_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['send_hex'], message: 'use either send or send_hex, not both' });
    if (v.expect !== undefined && v.expect_hex !== undefined)
      ctx.addIssue({ code: 'custom', path: ['expect_hex'], message: 'use either expect or expect_hex, not both' });
  });

/** A validated tcp check. */
export type TcpSpec = z.output<typeof tcpSchema>;

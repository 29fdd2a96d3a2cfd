/**
 * The zod schema of the `dns` check block, apart from the checker (dns.ts), so validating a config
 * loads no probe code (see src/health/schema.ts).
 */
import { z } from 'zod';
import { commonShape } from '../common.js';

/** Record types a dns check may ask for. */
export const dnsTypes = ['A', 'AAAA', 'SRV', 'TXT', 'SOA', 'NS', 'CNAME', 'MX', 'PTR'] as const;

/** TOML block of a dns check. */
export const dnsSchema = z.strictObject({
  type: z.literal('dns'),
  ...commonShape,
  /** Name to resolve (required). */
  name: z.string().min(1, 'name must not be empty'),
  /** Record type (default A). */
  query_type: z.enum(dnsTypes).default('A'),
  /** If set, some answer's data must equal this (e.g. "10.1.2.3", a TXT string, an SRV target). */
  expect_answer: z.string().optional(),
  /** Set the RD (recursion desired) bit (default true). */
  recursion: z.boolean().default(true),
});

/** A validated dns check. */
export type DnsSpec = z.output<typeof dnsSchema>;

/**
 * http / https: one request per probe over a fresh connection (undici), no redirects unless told,
 * expected status ranges, optional body regex / sha256 digest over at most max_body_bytes.
 */
import { z } from 'zod';
import { commonShape, regexSchema, statusSchema } from './common.js';

const httpShape = {
  ...commonShape,
  /** Request method (default GET). */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
  /** Request path with query (default "/"). */
  path: z.string().startsWith('/', 'path must start with "/"').default('/'),
  /** Host header (and default SNI for https); default: the probed address. */
  host: z.string().min(1).optional(),
  /** Extra request headers. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Request body (for POST/PUT). */
  body: z.string().optional(),
  /** Accepted status codes: 200, "200-299" or a list (default 200-399). */
  expect_status: statusSchema,
  /** Regex the body (first max_body_bytes) must match. */
  expect_body: regexSchema.optional(),
  /** sha256 hex digest the whole body must have (the body must fit in max_body_bytes). */
  expect_digest: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expect_digest must be a sha256 digest in hex (64 characters)')
    .transform((s) => s.toLowerCase())
    .optional(),
  /** Most body bytes read (default 64 KiB); the rest is discarded, never buffered. */
  max_body_bytes: z.int().min(0).max(16 * 1024 * 1024).default(64 * 1024),
  /** Redirects to follow: false/0 (default), true (= 5) or a number up to 10. */
  follow_redirects: z
    .union([z.boolean(), z.int().min(0).max(10)])
    .default(0)
    .transform((v) => (v === true ? 5 : v === false ? 0 : v)),
};

/** TOML block of an http check. */
export const httpSchema = z.strictObject({ type: z.literal('http'), ...httpShape });

/** TOML block of an https check: http plus TLS options. */
export const httpsSchema = z.strictObject({
  type: z.literal('https'),
  ...httpShape,
  /** TLS server name; default: `host`, else none for an IP address. */
  sni: z.string().min(1).optional(),
  /** Verify the server certificate and name (default true). */
  tls_verify: z.boolean().default(true),
  /** PEM file of CA certificates to trust instead of the system store. */
  ca_file: z.string().min(1).optional(),
});

/** A validated http check. */
export type HttpSpec = z.output<typeof httpSchema>;
/** A validated https check. */
export type HttpsSpec = z.output<typeof httpsSchema>;

/**
 * The TOML blocks of http and https checks (zod). Everything that goes on the wire is validated here,
 * so a probe never writes a malformed request: the path, the Host header and the extra headers.
 */
import { z } from 'zod';
import { commonShape, regexSchema, statusSchema } from './common.js';
import { quote } from '../util/quote.js';

/** An HTTP token (RFC 9110 §5.6.2): what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header value: visible characters, spaces and tabs; no CR, LF or other control characters. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that frame the exchange; lvsd sets them itself (one request, then the connection is closed). */
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

/** Extra request headers: names are tokens, values have no control characters, framing headers are lvsd's. */
const headersSchema = z.record(z.string(), z.string()).superRefine((h, ctx) => {
  for (const [k, v] of Object.entries(h)) {
    const fail = (message: string): void => ctx.addIssue({ code: 'custom', path: [k], message });
    if (!TOKEN.test(k)) fail("header names are HTTP tokens: letters, digits and !#$%&'*+-.^_`|~");
    else if (FRAMING.has(k.toLowerCase()))
      fail(`header ${quote(k)} is set by lvsd itself (one request per connection); remove it`);
    if (!FIELD_VALUE.test(v)) fail('header values must not contain CR, LF or other control characters');
  }
});

const httpShape = {
  ...commonShape,
  /** Request method (default GET). */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
  /** Request path with query (default "/"): "/" then visible ASCII, no spaces (percent-encode the rest). */
  path: z
    .string()
    .startsWith('/', 'path must start with "/"')
    .regex(/^\/[\x21-\x7e]*$/, 'path must be visible ASCII without spaces (percent-encode other characters)')
    .default('/'),
  /** Host header (and default SNI for https); default: the probed address. */
  host: z
    .string()
    .min(1)
    .regex(/^[^\s/?#@\x00-\x1f\x7f-\uffff]+$/, 'host must be a host name or address, optionally with ":port"')
    .optional(),
  /** Extra request headers. */
  headers: headersSchema.default({}),
  /** Request body (for POST/PUT). */
  body: z.string().optional(),
  /** Accepted status codes: 200, "200-299" or a list (default 200-399). */
  expect_status: statusSchema,
  /** Regex the body (first max_body_bytes) must match. */
  expect_body: regexSchema.optional(),
  /** Hex digest the whole body must have: MD5 (32 digits, keepalived's HTTP_GET digest) or SHA-256 (64); the body must fit in max_body_bytes. */
  expect_digest: z
    .string()
    .regex(
      /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/,
      'expect_digest must be a hex digest of the body: MD5 (32 digits, as keepalived/genhash print it) or SHA-256 (64 digits)',
    )
    .transform((s) => s.toLowerCase())
    .optional(),
  /** Most body bytes read (default 64 KiB); the rest is discarded, never buffered. */
  max_body_bytes: z
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
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
/** Either of them. */
export type AnyHttpSpec = HttpSpec | HttpsSpec;

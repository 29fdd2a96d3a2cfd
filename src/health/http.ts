/**
 * http / https: one request per probe over a fresh connection (undici), no redirects unless told,
 * expected status ranges, optional body regex / sha256 digest over at most max_body_bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, type Dispatcher, interceptors } from 'undici';
import { z } from 'zod';
import { type Checker, describeError, endpoint, type ProbeResult, type ProbeTarget } from './checker.js';
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

type AnyHttpSpec = HttpSpec | HttpsSpec;

/** Body bytes kept (for the regex) and hashed (for the digest); reading stops at max_body_bytes. */
interface BodyRead {
  text: string;
  digest: string;
  bytes: number;
  truncated: boolean;
}

async function readBody(body: Dispatcher.ResponseData['body'], max: number, digest: boolean): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  const hash = digest ? createHash('sha256') : undefined;
  let bytes = 0;
  let truncated = false;
  for await (const c of body as AsyncIterable<Buffer>) {
    const room = max - bytes;
    const part = c.length > room ? c.subarray(0, room) : c;
    chunks.push(part);
    hash?.update(part);
    bytes += part.length;
    if (c.length > room) {
      truncated = true;
      break;
    }
  }
  if (truncated) body.destroy();
  return { text: Buffer.concat(chunks).toString('utf8'), digest: hash?.digest('hex') ?? '', bytes, truncated };
}

/**
 * Connection options per distinct setup (bind, TLS), cached; each probe makes its own undici Client over
 * them and destroys it afterwards: a fresh connection per probe, without the Agent/Pool bookkeeping
 * that undici would otherwise create and tear down per origin (measured: bench/results/health.md).
 */
class ConnectCache {
  private opts = new Map<string, Client.Options>();
  private cas = new Map<string, Buffer>();

  get(target: ProbeTarget, spec: AnyHttpSpec): Client.Options {
    const tls = spec.type === 'https' ? spec : undefined;
    const servername = tls?.sni ?? (spec.host && !isIp(spec.host) ? spec.host.replace(/:\d+$/, '') : undefined);
    const key = JSON.stringify([target.bindto, servername, tls?.tls_verify, tls?.ca_file]);
    let o = this.opts.get(key);
    if (o) return o;
    const connect = { localAddress: target.bindto, servername, rejectUnauthorized: tls?.tls_verify ?? true, ca: tls?.ca_file ? this.ca(tls.ca_file) : undefined };
    o = { connect, pipelining: 1, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 1 };
    this.opts.set(key, o);
    return o;
  }

  private ca(file: string): Buffer {
    let b = this.cas.get(file);
    if (!b) this.cas.set(file, (b = readFileSync(file)));
    return b;
  }

  close(): void {
    this.opts.clear();
    this.cas.clear();
  }
}

/** A Client for one probe, with the redirect interceptor when the spec follows redirects. */
function clientFor(origin: string, opts: Client.Options, redirects: number): { d: Dispatcher; close(): void } {
  const c = new Client(origin, opts);
  const d = redirects > 0 ? c.compose(interceptors.redirect({ maxRedirections: redirects })) : c;
  return { d, close: () => void c.destroy().catch(() => {}) };
}

function isIp(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':') && !/^[^:]+:\d+$/.test(h);
}

function where(target: ProbeTarget, spec: AnyHttpSpec): string {
  return `${endpoint(target.address, target.port)}${spec.path}`;
}

function statusOk(code: number, spec: AnyHttpSpec): boolean {
  return spec.expect_status.some(([lo, hi]) => code >= lo && code <= hi);
}

function judge(code: number, body: BodyRead, target: ProbeTarget, spec: AnyHttpSpec): ProbeResult {
  const at = where(target, spec);
  if (!statusOk(code, spec)) return { ok: false, detail: `HTTP ${code} from ${at}` };
  if (spec.expect_digest !== undefined) {
    if (body.truncated) return { ok: false, detail: `body from ${at} is larger than max_body_bytes (${spec.max_body_bytes}); cannot check its digest` };
    if (body.digest !== spec.expect_digest) return { ok: false, detail: `body digest from ${at} is sha256:${body.digest.slice(0, 12)}…, expected sha256:${spec.expect_digest.slice(0, 12)}…` };
  }
  if (spec.expect_body !== undefined && !new RegExp(spec.expect_body).test(body.text))
    return { ok: false, detail: `body from ${at} does not match /${spec.expect_body}/ (read ${body.bytes} bytes)` };
  return { ok: true, detail: `HTTP ${code} from ${at}` };
}

/** Makes the http/https checker pair sharing one agent cache. */
export function createHttpCheckers(): { http: Checker<HttpSpec>; https: Checker<HttpsSpec> } {
  const conns = new ConnectCache();
  const probe = async (target: ProbeTarget, spec: AnyHttpSpec, signal: AbortSignal): Promise<ProbeResult> => {
    const scheme = spec.type === 'https' ? 'https' : 'http';
    const origin = `${scheme}://${endpoint(target.address, target.port)}`;
    const headers: Record<string, string> = { 'user-agent': 'lvsd-health', ...spec.headers };
    if (spec.host) headers.host = spec.host;
    const client = clientFor(origin, conns.get(target, spec), spec.follow_redirects);
    try {
      const res = await client.d.request({ origin, path: spec.path, method: spec.method, headers, body: spec.body, signal, reset: true });
      const body = spec.method === 'HEAD' ? { text: '', digest: '', bytes: 0, truncated: false } : await readBody(res.body, spec.max_body_bytes, spec.expect_digest !== undefined);
      if (spec.method === 'HEAD') res.body.destroy();
      return judge(res.statusCode, body, target, spec);
    } catch (e) {
      return { ok: false, detail: `${describeError(scheme.toUpperCase(), e)} (${where(target, spec)})` };
    } finally {
      client.close();
    }
  };
  const describeTimeout = (t: ProbeTarget, spec: AnyHttpSpec): string => `no complete HTTP response from ${where(t, spec)}`;
  const close = (): void => conns.close();
  return {
    http: { kind: 'http', schema: httpSchema, probe, describeTimeout, close },
    https: { kind: 'https', schema: httpsSchema, probe, describeTimeout, close },
  };
}

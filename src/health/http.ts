/**
 * http / https: one request per probe over a fresh connection (node:net, node:tls), no redirects unless
 * told, expected status ranges, optional body regex / MD5 or SHA-256 digest over at most max_body_bytes.
 * The request is built by http-request.ts, the response parsed by http-response.ts (both pure), and
 * the connection driven by http-exchange.ts. Why not undici: bench/results/health-http.md.
 */
import * as tls from 'node:tls';
import { type Checker, describeError, endpoint, failure, type ProbeResult, type ProbeTarget } from './checker.js';
import { settleOnce } from './probe-io.js';
import { digestAlgorithm, exchange, type ExchangeTarget, type HttpResponse } from './http-exchange.js';
import { defaultHost, encodeRequest, type RedirectHop, redirectHop, serverName } from './http-request.js';
import { type AnyHttpSpec, type HttpSpec, type HttpsSpec, httpSchema, httpsSchema } from './http-schema.js';
import { readRegularFileSync } from '../util/regular-file.js';
import { linearRegex } from './regex.js';

export { httpSchema, httpsSchema, type HttpSpec, type HttpsSpec } from './http-schema.js';

/**
 * TLS contexts per CA file (or the system store), built once: a context per probe costs more than the
 * handshake's JS.
 */
class TlsContexts {
  private byFile = new Map<string, tls.SecureContext>();

  get(caFile: string | undefined): tls.SecureContext {
    const key = caFile ?? '';
    let c = this.byFile.get(key);
    if (c) return c;
    c = caFile === undefined ? tls.createSecureContext() : tls.createSecureContext({ ca: readCa(caFile) });
    this.byFile.set(key, c);
    return c;
  }

  clear(): void {
    this.byFile.clear();
  }
}

/** Largest CA bundle read (Debian's whole store is ~220 KB). */
const MAX_CA_BYTES = 4 * 1024 * 1024;

function readCa(file: string): string {
  try {
    // not a plain readFileSync: a FIFO there would block the event loop, and every probe with it
    return readRegularFileSync(file, MAX_CA_BYTES);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `cannot read ca_file ${file}: ${err.code === 'ENOTREG' || err.code === 'EFBIG' ? err.message : (err.code ?? err.message)}`,
    );
  }
}

/** One request of a probe: the first, or one after a redirect. */
interface Hop {
  target: ExchangeTarget;
  method: string;
  path: string;
  host: string;
  headers: Record<string, string>;
  body?: string;
}

function firstHop(t: ProbeTarget, spec: AnyHttpSpec, contexts: TlsContexts): Hop {
  const secure = spec.type === 'https' ? spec : undefined;
  const target: ExchangeTarget = { host: t.address, port: t.port, localAddress: t.bindto };
  if (secure)
    target.tls = {
      servername: serverName(secure.sni, secure.host),
      rejectUnauthorized: secure.tls_verify,
      secureContext: contexts.get(secure.ca_file),
    };
  return {
    target,
    method: spec.method,
    path: spec.path,
    host: spec.host ?? defaultHost(t.address, t.port, !!secure),
    headers: spec.headers,
    body: spec.body,
  };
}

/** Headers not carried to another origin, and those that describe a body that is not sent again. */
const CROSS_ORIGIN_DROP = new Set(['host', 'authorization', 'proxy-authorization', 'cookie']);
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);

function nextHop(prev: Hop, r: RedirectHop, spec: AnyHttpSpec, contexts: TlsContexts): Hop {
  const { url } = r;
  const secure = url.protocol === 'https:';
  const sameOrigin = url.host === prev.host && secure === !!prev.target.tls;
  const headers = Object.fromEntries(
    Object.entries(prev.headers).filter(
      ([k]) =>
        !(sameOrigin ? k.toLowerCase() === 'host' : CROSS_ORIGIN_DROP.has(k.toLowerCase())) &&
        (r.keepBody || !BODY_HEADERS.has(k.toLowerCase())),
    ),
  );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const target: ExchangeTarget = {
    host,
    port: Number(url.port) || (secure ? 443 : 80),
    localAddress: prev.target.localAddress,
  };
  if (secure) {
    const s = spec.type === 'https' ? spec : undefined;
    const servername = sameOrigin && prev.target.tls ? prev.target.tls.servername : serverName(undefined, url.host);
    target.tls = { servername, rejectUnauthorized: s?.tls_verify ?? true, secureContext: contexts.get(s?.ca_file) };
  }
  return {
    target,
    method: r.method,
    path: url.pathname + url.search,
    host: url.host,
    headers,
    body: r.keepBody ? prev.body : undefined,
  };
}

function urlOf(h: Hop): URL {
  return new URL(`${h.target.tls ? 'https' : 'http'}://${h.host}${h.path}`);
}

function where(target: ProbeTarget, spec: AnyHttpSpec): string {
  return `${endpoint(target.address, target.port)}${spec.path}`;
}

function statusOk(code: number, spec: AnyHttpSpec): boolean {
  return spec.expect_status.some(([lo, hi]) => code >= lo && code <= hi);
}

/** The verdict on a final response; `at` names the probed place (and the redirect, if any). */
function judge(res: HttpResponse, at: string, spec: AnyHttpSpec): ProbeResult {
  const { status: code, body } = res;
  if (!statusOk(code, spec)) return { ok: false, detail: `HTTP ${code} from ${at}` };
  if (spec.expect_digest !== undefined) {
    if (body.truncated)
      return {
        ok: false,
        detail: `body from ${at} is larger than max_body_bytes (${spec.max_body_bytes}); cannot check its digest`,
      };
    if (body.digest !== spec.expect_digest) {
      const alg = digestAlgorithm(spec.expect_digest);
      return {
        ok: false,
        detail: `body digest from ${at} is ${alg}:${body.digest.slice(0, 12)}…, expected ${alg}:${spec.expect_digest.slice(0, 12)}…`,
      };
    }
  }
  if (spec.expect_body !== undefined && !linearRegex(spec.expect_body)(body.text))
    return { ok: false, detail: `body from ${at} does not match /${spec.expect_body}/ (read ${body.bytes} bytes)` };
  return { ok: true, detail: `HTTP ${code} from ${at}` };
}

/** Words and results of a probe that are the same every round, made once per (target, spec). */
interface Plan {
  spec: AnyHttpSpec;
  at: string;
  /** The success result per status code seen (a result per round would be garbage kept 10 rounds in the ring). */
  okByStatus: Map<number, ProbeResult>;
}

function judgeFirst(res: HttpResponse, plan: Plan): ProbeResult {
  const r = judge(res, plan.at, plan.spec);
  if (!r.ok) return r;
  let ok = plan.okByStatus.get(res.status);
  if (!ok) plan.okByStatus.set(res.status, (ok = r));
  return ok;
}

/**
 * Runs one probe (following redirects as told) and calls `done` exactly once, unless the returned
 * `stop` is called first. Never throws: a failure to even open the connection is a result too.
 */
function startHttp(t: ProbeTarget, plan: Plan, contexts: TlsContexts, done: (r: ProbeResult) => void): () => void {
  const spec = plan.spec;
  const fail = (e: unknown): void => done(failure(`${describeError(spec.type.toUpperCase(), e)} (${plan.at})`, e));
  let stopHop: (() => void) | undefined;
  let stopped = false;
  const run = (hop: Hop, n: number): void => {
    const req = {
      bytes: encodeRequest(hop),
      head: hop.method === 'HEAD',
      maxBody: spec.max_body_bytes,
      keepText: spec.expect_body !== undefined,
      digest: spec.expect_digest === undefined ? undefined : digestAlgorithm(spec.expect_digest),
    };
    stopHop = exchange(hop.target, req, (err, res) => {
      if (err !== undefined) return fail(err);
      let result: ProbeResult | undefined;
      try {
        const next =
          n < spec.follow_redirects ? redirectHop(urlOf(hop), res!.status, res!.location, hop.method) : undefined;
        if (next) return stopped ? undefined : run(nextHop(hop, next, spec, contexts), n + 1);
        result = n === 0 ? judgeFirst(res!, plan) : judge(res!, `${plan.at} (redirected to ${urlOf(hop).href})`, spec);
      } catch (e) {
        return fail(e);
      }
      done(result);
    });
  };
  try {
    run(firstHop(t, spec, contexts), 0);
  } catch (e) {
    fail(e);
  }
  return () => {
    stopped = true;
    stopHop?.();
  };
}

/** Makes the http/https checker pair sharing one cache of TLS contexts. */
export function createHttpCheckers(): { http: Checker<HttpSpec>; https: Checker<HttpsSpec> } {
  const contexts = new TlsContexts();
  const plans = new WeakMap<ProbeTarget, Plan>();
  const planFor = (target: ProbeTarget, spec: AnyHttpSpec): Plan => {
    let plan = plans.get(target);
    if (plan?.spec !== spec) plans.set(target, (plan = { spec, at: where(target, spec), okByStatus: new Map() }));
    return plan;
  };
  const start = (target: ProbeTarget, spec: AnyHttpSpec, done: (r: ProbeResult) => void): (() => void) =>
    startHttp(target, planFor(target, spec), contexts, done);
  const probe = (target: ProbeTarget, spec: AnyHttpSpec, signal: AbortSignal): Promise<ProbeResult> =>
    new Promise((resolve) => {
      let stop: (() => void) | undefined;
      const finish = settleOnce(
        signal,
        `${spec.type.toUpperCase()} probe of ${where(target, spec)} aborted`,
        () => stop?.(),
        resolve,
      );
      stop = start(target, spec, finish);
    });
  const describeTimeout = (t: ProbeTarget, spec: AnyHttpSpec): string =>
    `no complete HTTP response from ${where(t, spec)}`;
  const close = (): void => contexts.clear();
  return {
    http: { kind: 'http', schema: httpSchema, start, probe, describeTimeout, close },
    https: { kind: 'https', schema: httpsSchema, start, probe, describeTimeout, close },
  };
}

/**
 * Pure pieces of an HTTP health probe's request side: the request bytes, the default Host header, the
 * TLS server name, and where a redirect leads. No socket here.
 */
import { isIP } from 'node:net';

/** One request to write on a fresh connection (which the probe then closes: `connection: close`). */
export interface RequestLine {
  method: string;
  /** Path with query, starting with "/". */
  path: string;
  /** Host header value. */
  host: string;
  /** Extra headers; a name given here (any case) replaces lvsd's default of that name. */
  headers: Readonly<Record<string, string>>;
  /** Request body (UTF-8), if any. */
  body?: string;
}

/** Methods whose requests carry a body, so they always send Content-Length (0 without a body). */
const BODY_METHODS = new Set(['POST', 'PUT']);

/**
 * The request as bytes: request line, Host, User-Agent "lvsd-health" (unless the headers set one),
 * the extra headers, Content-Length for POST/PUT or a body, `connection: close`, then the body.
 * Header names and values must already be valid (the schema checks them).
 */
export function encodeRequest(r: RequestLine): Buffer {
  const given = new Set(Object.keys(r.headers).map((k) => k.toLowerCase()));
  let head = `${r.method} ${r.path} HTTP/1.1\r\n`;
  if (!given.has('host')) head += `host: ${r.host}\r\n`;
  if (!given.has('user-agent')) head += 'user-agent: lvsd-health\r\n';
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`;
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  if (body || BODY_METHODS.has(r.method)) head += `content-length: ${body?.length ?? 0}\r\n`;
  head += 'connection: close\r\n\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** The Host header for address:port: IPv6 in brackets, the port left out when it is the scheme's default. */
export function defaultHost(address: string, port: number, tls: boolean): string {
  const a = isIP(address) === 6 ? `[${address}]` : address;
  return port === (tls ? 443 : 80) ? a : `${a}:${port}`;
}

/** The name part of a Host header value ("web.test:8443" → "web.test", "[::1]:80" → "::1"). */
export function hostName(host: string): string {
  const v6 = /^\[([^\]]*)\](?::\d+)?$/.exec(host);
  return v6 ? v6[1] : host.replace(/:\d+$/, '');
}

/** The TLS server name: `sni` if given, else the Host name unless it is an IP address (no SNI for IPs, RFC 6066). */
export function serverName(sni: string | undefined, host: string | undefined): string | undefined {
  if (sni !== undefined) return sni;
  if (host === undefined) return undefined;
  const name = hostName(host);
  return isIP(name) ? undefined : name;
}

/** Where a redirect goes and how to ask there. */
export interface RedirectHop {
  url: URL;
  method: string;
  /** Whether the body (and the headers that describe it) is sent again. */
  keepBody: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The next hop for a redirect response, or undefined if `status` is not a redirect, there is no
 * Location, or it is not an http(s) URL. As browsers and undici do: 303, and 301/302 after a POST,
 * become GET without a body (HEAD stays HEAD); 307/308 keep the method and body.
 */
export function redirectHop(
  from: URL,
  status: number,
  location: string | undefined,
  method: string,
): RedirectHop | undefined {
  if (!REDIRECTS.has(status) || location === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const toGet = method !== 'HEAD' && (status === 303 || ((status === 301 || status === 302) && method === 'POST'));
  return { url, method: toGet ? 'GET' : method, keepBody: !toGet };
}

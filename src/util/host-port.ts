/**
 * "host:port" text, the one parser of it: "10.0.0.1:80", "[2001:db8::1]:80", "localhost:9405", and
 * with the port left out "10.0.0.1" or "2001:db8::1". Syntax only: callers check the host
 * (`canonicalIp` for an address) and the port's range. Formatting is `hostPort` (src/ipvs/types.ts).
 */

/**
 * Host and port of `text`; a port of up to 5 digits is read, anything else after a colon makes the whole text
 * the host.
 */
export function splitHostPort(text: string): { host: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return { host: text }; // a bare IPv6 address, or something the caller will refuse
  return m[2] === undefined ? { host: m[1]! } : { host: m[1]!, port: Number(m[2]) };
}

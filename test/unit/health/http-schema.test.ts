import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src/health/schema.js';

/** The issues checkSchema reports for a raw http check, as "path: message". */
function issues(raw: Record<string, unknown>): string[] {
  const r = checkSchema.safeParse({ type: 'http', ...raw });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('http schema: nothing that would corrupt the request gets through', () => {
  it('accepts ordinary paths, Host values and headers', () => {
    expect(
      issues({
        path: '/healthz?x=1&y=%20',
        host: 'web.test:8080',
        headers: { 'X-Probe': 'a b\tc', Authorization: 'Basic eDp5' },
      }),
    ).toEqual([]);
    expect(issues({ host: '[2001:db8::1]:80' })).toEqual([]);
  });

  it('rejects a path with spaces or control characters, naming the key', () => {
    expect(issues({ path: '/a b' })).toEqual([
      'path: path must be visible ASCII without spaces (percent-encode other characters)',
    ]);
    expect(issues({ path: '/a\r\nX: y' })).toHaveLength(1);
    expect(issues({ path: 'healthz' })[0]).toMatch(/^path: path must start with "\/"/);
  });

  it('rejects a Host with whitespace, a slash or CR/LF', () => {
    expect(issues({ host: 'web.test\r\nX: y' })).toEqual([
      'host: host must be a host name or address, optionally with ":port"',
    ]);
    expect(issues({ host: 'web.test/x' })).toHaveLength(1);
  });

  it('rejects bad header names and values with the header named in the path', () => {
    expect(issues({ headers: { 'X Bad': '1' } })[0]).toMatch(/^headers\.X Bad: header names are HTTP tokens/);
    expect(issues({ headers: { 'X-Ok': 'a\r\nInjected: 1' } })).toEqual([
      'headers.X-Ok: header values must not contain CR, LF or other control characters',
    ]);
  });

  it('rejects framing headers lvsd sets itself', () => {
    for (const h of ['Content-Length', 'transfer-encoding', 'Connection'])
      expect(issues({ headers: { [h]: '1' } })[0]).toBe(
        `headers.${h}: header "${h}" is set by lvsd itself (one request per connection); remove it`,
      );
  });
});

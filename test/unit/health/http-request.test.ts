import { describe, expect, it } from 'vitest';
import { defaultHost, encodeRequest, hostName, redirectHop, serverName } from '../../../src/health/http-request.js';

describe('encodeRequest', () => {
  it('writes the request line, Host, User-Agent, connection: close', () => {
    expect(
      encodeRequest({ method: 'GET', path: '/healthz?x=1', host: '10.0.0.2:8080', headers: {} }).toString('latin1'),
    ).toBe('GET /healthz?x=1 HTTP/1.1\r\nhost: 10.0.0.2:8080\r\nuser-agent: lvsd-health\r\nconnection: close\r\n\r\n');
  });

  it('extra headers come after the defaults, and replace a default of the same name in any case', () => {
    const r = encodeRequest({
      method: 'GET',
      path: '/',
      host: 'a',
      headers: { 'X-Probe': '1', 'User-Agent': 'mine', HOST: 'vhost.test' },
    }).toString('latin1');
    expect(r).toBe('GET / HTTP/1.1\r\nX-Probe: 1\r\nUser-Agent: mine\r\nHOST: vhost.test\r\nconnection: close\r\n\r\n');
  });

  it('a body is sent as UTF-8 with its byte length; POST/PUT without a body send content-length: 0', () => {
    const r = encodeRequest({ method: 'POST', path: '/p', host: 'h', headers: {}, body: 'é=1' });
    expect(r.toString('utf8')).toBe(
      'POST /p HTTP/1.1\r\nhost: h\r\nuser-agent: lvsd-health\r\ncontent-length: 4\r\nconnection: close\r\n\r\né=1',
    );
    expect(encodeRequest({ method: 'PUT', path: '/', host: 'h', headers: {} }).toString()).toContain(
      '\r\ncontent-length: 0\r\n',
    );
    expect(encodeRequest({ method: 'HEAD', path: '/', host: 'h', headers: {} }).toString()).not.toContain(
      'content-length',
    );
  });
});

describe('host names', () => {
  it('defaultHost brackets IPv6 and leaves out the default port of the scheme', () => {
    expect(defaultHost('10.0.0.2', 8080, false)).toBe('10.0.0.2:8080');
    expect(defaultHost('10.0.0.2', 80, false)).toBe('10.0.0.2');
    expect(defaultHost('10.0.0.2', 443, true)).toBe('10.0.0.2');
    expect(defaultHost('10.0.0.2', 80, true)).toBe('10.0.0.2:80');
    expect(defaultHost('2001:db8::2', 8443, true)).toBe('[2001:db8::2]:8443');
  });

  it('hostName strips the port and brackets', () => {
    expect(hostName('web.test:8443')).toBe('web.test');
    expect(hostName('web.test')).toBe('web.test');
    expect(hostName('[2001:db8::1]:80')).toBe('2001:db8::1');
  });

  it('serverName: sni wins, else the Host name unless it is an IP address', () => {
    expect(serverName('sni.test', 'web.test')).toBe('sni.test');
    expect(serverName(undefined, 'web.test:8443')).toBe('web.test');
    expect(serverName(undefined, '10.0.0.2:8443')).toBeUndefined();
    expect(serverName(undefined, '[2001:db8::1]')).toBeUndefined();
    expect(serverName(undefined, undefined)).toBeUndefined();
  });
});

describe('redirectHop', () => {
  const from = new URL('http://10.0.0.2:8080/a/b?q=1');
  it('resolves a relative Location against the request URL', () => {
    expect(redirectHop(from, 301, 'c', 'GET')).toEqual({
      url: new URL('http://10.0.0.2:8080/a/c'),
      method: 'GET',
      keepBody: true,
    });
    expect(redirectHop(from, 308, 'https://web.test/x', 'PUT')).toEqual({
      url: new URL('https://web.test/x'),
      method: 'PUT',
      keepBody: true,
    });
  });

  it('303, and 301/302 after POST, become GET without a body; HEAD stays HEAD', () => {
    expect(redirectHop(from, 303, '/x', 'PUT')).toMatchObject({ method: 'GET', keepBody: false });
    expect(redirectHop(from, 302, '/x', 'POST')).toMatchObject({ method: 'GET', keepBody: false });
    expect(redirectHop(from, 307, '/x', 'POST')).toMatchObject({ method: 'POST', keepBody: true });
    expect(redirectHop(from, 303, '/x', 'HEAD')).toMatchObject({ method: 'HEAD' });
  });

  it('is undefined for other statuses, a missing or unusable Location, and non-http schemes', () => {
    expect(redirectHop(from, 200, '/x', 'GET')).toBeUndefined();
    expect(redirectHop(from, 304, '/x', 'GET')).toBeUndefined();
    expect(redirectHop(from, 302, undefined, 'GET')).toBeUndefined();
    expect(redirectHop(from, 302, 'http://[bad', 'GET')).toBeUndefined();
    expect(redirectHop(from, 302, 'ftp://x/', 'GET')).toBeUndefined();
  });
});

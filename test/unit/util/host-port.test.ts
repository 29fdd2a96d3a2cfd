import { describe, expect, it } from 'vitest';
import { splitHostPort } from '../../../src/util/host-port.js';

describe('splitHostPort', () => {
  it('splits host:port and [v6]:port; the port is optional', () => {
    expect(splitHostPort('127.0.0.1:9405')).toEqual({ host: '127.0.0.1', port: 9405 });
    expect(splitHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(splitHostPort('localhost:9405')).toEqual({ host: 'localhost', port: 9405 });
    expect(splitHostPort('10.0.0.1')).toEqual({ host: '10.0.0.1' });
    expect(splitHostPort('[2001:db8::1]')).toEqual({ host: '2001:db8::1' });
  });

  it('reads up to 5 port digits and leaves the range to the caller; anything else is all host', () => {
    expect(splitHostPort('h:70000')).toEqual({ host: 'h', port: 70000 });
    expect(splitHostPort('2001:db8::1')).toEqual({ host: '2001:db8::1' });
    expect(splitHostPort('h:123456')).toEqual({ host: 'h:123456' });
    expect(splitHostPort('h:80x')).toEqual({ host: 'h:80x' });
  });
});

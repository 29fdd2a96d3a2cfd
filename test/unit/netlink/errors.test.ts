import { describe, expect, it } from 'vitest';
import { errnoName, errnoNumber, errnoText } from '../../../native/errno.js';
import { NetlinkDecodeError, NetlinkError } from '../../../src/netlink/errors.js';

describe('errno table', () => {
  it.each([
    [1, 'EPERM'],
    [2, 'ENOENT'],
    [3, 'ESRCH'],
    [11, 'EAGAIN'],
    [17, 'EEXIST'],
    [19, 'ENODEV'],
    [22, 'EINVAL'],
    [34, 'ERANGE'],
    [35, 'EDEADLK'],
    [95, 'EOPNOTSUPP'],
    [99, 'EADDRNOTAVAIL'],
    [105, 'ENOBUFS'],
    [110, 'ETIMEDOUT'],
    [133, 'EHWPOISON'],
  ])('%i is %s, both ways', (n, name) => {
    expect(errnoName(n)).toBe(name);
    expect(errnoNumber(name)).toBe(n);
  });
  it('covers every Linux errno 1..133 except the unused 41 and 58', () => {
    const known = Array.from({ length: 133 }, (_, i) => i + 1).filter((n) => !errnoName(n).startsWith('ERRNO_'));
    expect(known.length).toBe(131);
    expect(errnoName(41)).toBe('ERRNO_41');
  });
  it('gives strerror text', () => {
    expect(errnoText(17)).toBe('File exists');
    expect(errnoText(999)).toBe('Unknown error 999');
  });
});

describe('NetlinkError', () => {
  it('carries code, positive errno, op and extack in its message', () => {
    const e = new NetlinkError(-22, 'IPVS_CMD_NEW_DEST 10.0.0.2:8080', 'bad weight');
    expect([e.code, e.errno, e.op, e.extack]).toEqual(['EINVAL', 22, 'IPVS_CMD_NEW_DEST 10.0.0.2:8080', 'bad weight']);
    expect(e.message).toBe('IPVS_CMD_NEW_DEST 10.0.0.2:8080: EINVAL (Invalid argument): bad weight');
    expect(e).toBeInstanceOf(Error);
  });
  it('EPERM names CAP_NET_ADMIN', () => {
    expect(new NetlinkError(1, 'IPVS_CMD_FLUSH').message).toMatch(/^IPVS_CMD_FLUSH: EPERM \(.*CAP_NET_ADMIN/);
  });
  it('has no extack property when none was given', () => {
    expect('extack' in new NetlinkError(17, 'x')).toBe(false);
  });
});

describe('NetlinkDecodeError', () => {
  it('has code EBADMSG and the offset in its message', () => {
    const e = new NetlinkDecodeError('bad length', 12);
    expect([e.code, e.offset, e.message]).toEqual(['EBADMSG', 12, 'bad length (at byte 12)']);
  });
});

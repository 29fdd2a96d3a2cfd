/** Field helpers: typo distance, "did you mean", value display. */
import { describe, expect, it } from 'vitest';
import { didYouMean, suggestion, typoDistance } from '../../../src/config/fields.js';
import { showValue as show } from '../../../src/util/zod-message.js';

describe('did you mean', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(typoDistance('imcp', 'icmp')).toBe(1);
    expect(typoDistance('wieght', 'weight')).toBe(1);
    expect(typoDistance('abc', 'abc')).toBe(0);
    expect(typoDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest plausible candidate, case-insensitively, and nothing for far-off words', () => {
    expect(didYouMean('imcp', ['tcp', 'http', 'icmp'])).toBe('icmp');
    expect(didYouMean('WLC', ['rr', 'wlc'])).toBe('wlc');
    expect(didYouMean('resync_intervall', ['resync_interval', 'removal'])).toBe('resync_interval');
    expect(didYouMean('zzzzzz', ['port', 'weight'])).toBeUndefined();
    expect(didYouMean('xx', ['rr', 'sh'])).toBeUndefined();
    expect(didYouMean('tpc', ['udp', 'tcp'])).toBe('tcp');
    expect(didYouMean('x', [])).toBeUndefined();
    expect(suggestion('prot', ['port'])).toBe('; did you mean "port"?');
    expect(suggestion('qqqqqq', ['port'])).toBe('');
  });

  it('shows values as TOML users wrote them', () => {
    expect(show('80a')).toBe('"80a"');
    expect(show(80)).toBe('80');
    expect(show([1])).toBe('an array');
    expect(show({})).toBe('a table');
    expect(show(undefined)).toBe('nothing');
    expect(show(new Date(0))).toBe('the date 1970-01-01T00:00:00.000Z');
  });
});

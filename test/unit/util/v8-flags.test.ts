/** Runtime V8 flags: set normally, never while the build records the bundle's code cache. */
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setV8Flag } from '../../../src/util/v8-flags.js';

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.LVSD_WRITE_CODE_CACHE;
});

describe('setV8Flag', () => {
  it('hands the flag to V8', () => {
    const spy = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(setV8Flag('--no-opt')).toBe(true);
    expect(spy).toHaveBeenCalledWith('--no-opt');
  });

  it('changes nothing while a code cache is recorded (V8 would reject the cache in a fresh process)', () => {
    const spy = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    process.env.LVSD_WRITE_CODE_CACHE = '1';
    expect(setV8Flag('--no-opt')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });
});

/** Small pure helpers of the config layer: host:port and netmask parsing, the zod schema walker. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dottedMask, kernelNetmask, parseHostPort } from '../../../src/config/normalize.js';
import { fileSchema } from '../../../src/config/schema.js';
import {
  defaultOf,
  describe as describeSchema,
  discriminatorValues,
  knownKeysAt,
  schemasAt,
} from '../../../src/config/walk.js';

describe('parseHostPort', () => {
  it('parses every accepted form and canonicalises the address', () => {
    expect(parseHostPort('10.0.0.1:80', 1)).toEqual({ address: '10.0.0.1', port: 80 });
    expect(parseHostPort('10.0.0.1', 443)).toEqual({ address: '10.0.0.1', port: 443 });
    expect(parseHostPort('[2001:DB8::1]:8080', 1)).toEqual({ address: '2001:db8::1', port: 8080 });
    expect(parseHostPort('[::1]', 53)).toEqual({ address: '::1', port: 53 });
    expect(parseHostPort('2001:db8::5', 80)).toEqual({ address: '2001:db8::5', port: 80 });
  });

  it('rejects garbage and out-of-range ports', () => {
    for (const bad of ['web:80', '10.0.0.1:99999', '[::1]:x', '', '10.0.0.1:', ':80'])
      expect(parseHostPort(bad, 80), bad).toBeUndefined();
  });
});

describe('netmasks', () => {
  it('accepts only contiguous dotted masks', () => {
    expect(dottedMask('255.255.255.0')).toBe(0xffffff00);
    expect(dottedMask('255.255.255.255')).toBe(0xffffffff);
    expect(dottedMask('0.0.0.0')).toBe(0);
    expect(dottedMask('255.0.255.0')).toBeUndefined();
    expect(dottedMask('255.255.256.0')).toBeUndefined();
    expect(dottedMask('255.255.0')).toBeUndefined();
  });

  it('gives the kernel form per family', () => {
    expect(kernelNetmask('inet', undefined)).toBe(0xffffffff);
    expect(kernelNetmask('inet', 24)).toBe(0xffffff00);
    expect(kernelNetmask('inet', 32)).toBe(0xffffffff);
    expect(kernelNetmask('inet', 1)).toBe(0x80000000);
    expect(kernelNetmask('inet', '255.255.0.0')).toBe(0xffff0000);
    expect(kernelNetmask('inet6', 64)).toBe(64);
    expect(kernelNetmask('inet6', undefined)).toBe(128);
  });
});

describe('schema walker', () => {
  it('finds the keys of a table at a path, stepping into arrays and check kinds', () => {
    expect(knownKeysAt(fileSchema, [])).toEqual(['global', 'announce', 'virtual_server', 'vrrp_instance', 'sync']);
    expect(knownKeysAt(fileSchema, ['virtual_server', 0, 'real_server', 3])).toContain('weight');
    const checkKeys = knownKeysAt(fileSchema, ['virtual_server', 0, 'check']);
    expect(checkKeys).toEqual(expect.arrayContaining(['type', 'interval', 'path', 'query_type', 'command']));
    expect(knownKeysAt(fileSchema, ['nope'])).toEqual([]);
  });

  it('lists discriminator values and describes types and defaults', () => {
    const check = schemasAt(fileSchema, ['virtual_server', 0, 'check'])[0]!;
    expect(discriminatorValues(check, 'type')).toEqual(['tcp', 'http', 'https', 'icmp', 'udp', 'dns', 'script']);
    expect(describeSchema(z.number().int().min(1).max(9))).toBe('integer 1-9');
    expect(describeSchema(z.number().min(0))).toBe('number ≥ 0');
    expect(describeSchema(z.array(z.enum(['a', 'b'])))).toBe('array of "a" | "b"');
    expect(describeSchema(z.union([z.string(), z.boolean()]).optional())).toBe('string or boolean');
    expect(defaultOf(z.string().default('x'))).toBe('x');
    expect(defaultOf(z.string().optional())).toBeUndefined();
  });
});

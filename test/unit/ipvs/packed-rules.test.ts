/**
 * validateRules packs a rules file: the bytes of each rule must be exactly what encodeOp makes of
 * the parsed line, line numbers and texts must point at the source, and request names (read only
 * for errors) must be the ones encodeOp gives.
 */
import { describe, expect, it } from 'vitest';
import { encodeOp, encodeSetConfig } from '../../../src/ipvs/codec.js';
import { PackedRulesBuilder, requestsOf, ruleText } from '../../../src/ipvs/packed-rules.js';
import { validateRules } from '../../../src/ipvs/restore.js';
import { parseRule } from '../../../src/ipvs/rules.js';

const FILE = [
  '# a comment',
  '-A -t 10.0.0.1:80 -s wrr',
  '',
  '-a -t 10.0.0.1:80 -r 10.0.2.2:8080 -m -w 3\r',
  '--set 10 20 30',
  '-A -u [2001:db8::1]:53 -s rr',
  '-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -g',
].join('\n');

describe('validateRules packs every rule', () => {
  it('payloads, commands, line numbers and texts match the source lines', () => {
    const { rules, errors } = validateRules(FILE);
    expect(errors).toEqual([]);
    expect(rules.count).toBe(5);
    expect(Array.from(rules.lineNo.subarray(0, rules.count))).toEqual([2, 4, 5, 6, 7]);
    const names = (i: number): string => `name ${i}`;
    const reqs = requestsOf(rules, 0, rules.count, names);
    FILE.split('\n').forEach((raw, k) => {
      const r = parseRule(raw.replace(/\r$/, ''), k + 1);
      if (!r) return;
      const i = Array.from(rules.lineNo).indexOf(k + 1);
      const want = r.kind === 'set' ? encodeSetConfig(r.timeouts) : encodeOp(r.op);
      expect(reqs[i].payload.equals(want.payload)).toBe(true);
      expect(reqs[i].cmd).toBe(want.cmd);
      expect(ruleText(rules, i)).toBe(raw.trim());
      expect(reqs[i].op).toBe(`name ${i}`);
    });
    expect(rules.bytes.length).toBe(reqs.reduce((n, r) => n + r.payload.length, 0));
  });

  it('a bad line anywhere is reported with its number, in line order, and the rest still packs', () => {
    const { rules, errors } = validateRules(
      '-A -t 10.0.0.1:80\n-X\n-A -t 10.0.0.2:80 -p 99999999999\n-A -t 10.0.0.3:80\n',
    );
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[0].message).toMatch(/^line 2: /);
    expect(rules.count).toBe(2);
  });

  it('an empty file packs no rule', () => {
    expect(validateRules('').rules.count).toBe(0);
    expect(validateRules('\n# only a comment\n').rules.count).toBe(0);
  });
});

describe('PackedRulesBuilder', () => {
  it('grows past its first guess and keeps every payload intact', () => {
    const b = new PackedRulesBuilder('x'); // guesses 16 rows and 4 KiB
    const payloads: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const p = Buffer.alloc(40 + (i % 7), i & 0xff);
      payloads.push(p);
      b.add(i + 1, 0, 1, { cmd: i & 0xff, payload: p, op: '' });
    }
    const r = b.build();
    expect(r.count).toBe(300);
    const reqs = requestsOf(r, 0, r.count, () => '');
    reqs.forEach((q, i) => {
      expect(q.payload.equals(payloads[i])).toBe(true);
      expect(q.cmd).toBe(i & 0xff);
      expect(r.lineNo[i]).toBe(i + 1);
    });
  });
});

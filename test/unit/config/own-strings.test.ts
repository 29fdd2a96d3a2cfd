/**
 * A parsed config must not keep the file's text alive through V8 string slices. Measured on the
 * heap: the text carries a 16 MB comment, far above the noise of everything else in this test.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ownStrings } from '../../../src/config/own-strings.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

const bigText = () =>
  `# ${'x'.repeat(16 * MB)} ${Math.random()}\n[global]\nrouter_id = "a-router-id-long"\n` +
  `[[virtual_server]]\nname = "frontend-production"\naddress = "10.200.123.45"\nport = 80\n` +
  `  [[virtual_server.real_server]]\n  address = "10.200.123.46"\n  port = 80\n`;

/** Heap bytes still used, after full collections, while `load(text)`'s result is kept and the text dropped. */
function retained(load: (text: string) => unknown): { bytes: number; kept: unknown } {
  gc();
  gc();
  const base = process.memoryUsage().heapUsed;
  let text: string | undefined = bigText();
  const kept = load(text);
  text = undefined;
  gc();
  gc();
  return { bytes: process.memoryUsage().heapUsed - base, kept };
}

describe('ownStrings', () => {
  it("a parsed TOML value keeps the file's text alive through slices; with ownStrings it does not", () => {
    const sliced = retained((t) => parse(t));
    expect(sliced.bytes).toBeGreaterThan(15 * MB); // contrast: the parser's strings pin the text
    const owned = retained((t) => ownStrings(parse(t)));
    expect(owned.bytes).toBeLessThan(4 * MB);
    expect((owned.kept as { virtual_server: Array<{ name: string }> }).virtual_server[0]!.name).toBe(
      'frontend-production',
    );
  });

  it("a validated config does not keep the file's text alive", () => {
    const r = retained((t) => {
      const c = parseConfig(t, 'test');
      if (!c.ok) throw new Error(JSON.stringify(c.problems));
      return c.config; // what the daemon keeps (the loader drops the result's text)
    });
    expect(r.bytes).toBeLessThan(4 * MB);
    const config = r.kept as Extract<ReturnType<typeof parseConfig>, { ok: true }>['config'];
    const vs = config.virtual_server[0]!;
    expect([config.global.router_id, vs.name, vs.id.address, vs.real_server[0]!.address]).toEqual([
      'a-router-id-long',
      'frontend-production',
      '10.200.123.45',
      '10.200.123.46',
    ]);
  });

  it('keeps values, dates and numbers as they are', () => {
    const d = new Date(0);
    const v = { a: 'short', b: 'a-rather-long-value', c: [1, 'another-long-string'], d, e: { f: true } };
    expect(ownStrings(structuredClone(v))).toEqual(v);
    expect(ownStrings(v).d).toBe(d);
  });
});

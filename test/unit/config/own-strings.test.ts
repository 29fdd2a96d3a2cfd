/**
 * A parsed config must not keep the file's text alive through V8 string slices. Whether a string
 * is a slice is visible only to V8's natives syntax: %HaveSameMap against a known slice.
 */
import { setFlagsFromString } from 'node:v8';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ownStrings } from '../../../src/config/own-strings.js';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: unknown, b: unknown) => boolean;
const knownSlice = `${'x'.repeat(100)}${Math.random()}`.slice(10, 40);
const isSlice = (s: string | undefined) => sameMap(s, knownSlice);

const TEXT =
  `# ${'x'.repeat(5000)}\n[[virtual_server]]\nname = "frontend-production"\naddress = "10.200.123.45"\n` +
  `real_server = [{ address = "10.200.123.46", port = 80 }]\npaths = ["/healthz/very/long/path"]\n`;

/** The four long strings of TEXT's virtual server, as parsed. */
function picks(v: unknown): string[] {
  const vs = (v as { virtual_server: Array<Record<string, unknown>> }).virtual_server[0]!;
  const rs = (vs.real_server as Array<Record<string, string>>)[0]!;
  return [vs.name as string, vs.address as string, rs.address!, (vs.paths as string[])[0]!];
}

describe('ownStrings', () => {
  it('copies every long string of a parsed TOML value, at any depth, out of the text', () => {
    expect(picks(parse(TEXT)).map(isSlice)).toEqual([true, true, true, true]); // contrast: the parser slices
    const owned = picks(ownStrings(parse(TEXT)));
    expect(owned.map(isSlice)).toEqual([false, false, false, false]);
    expect(owned).toEqual(['frontend-production', '10.200.123.45', '10.200.123.46', '/healthz/very/long/path']);
  });

  it('keeps values, dates and numbers as they are', () => {
    const d = new Date(0);
    const v = { a: 'short', b: 'a-rather-long-value', c: [1, 'another-long-string'], d, e: { f: true } };
    expect(ownStrings(structuredClone(v))).toEqual(v);
    expect(ownStrings(v).d).toBe(d);
  });

  it("a validated config holds no slice of the file's text", () => {
    const r = parseConfig(
      `[global]\nrouter_id = "a-router-id-long"\n[[virtual_server]]\nname = "frontend-production"\n` +
        `address = "10.200.123.45"\nport = 80\n  [[virtual_server.real_server]]\n  address = "10.200.123.46"\n  port = 80\n`,
      'test',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const vs = r.config.virtual_server[0]!;
    const strings = [r.config.global.router_id, vs.name, vs.id.address, vs.real_server[0]!.address];
    expect(strings).toEqual(['a-router-id-long', 'frontend-production', '10.200.123.45', '10.200.123.46']);
    expect(strings.filter((s) => isSlice(s))).toEqual([]);
  });
});

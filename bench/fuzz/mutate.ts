/**
 * Seeded mutation of decoder inputs for the fuzz benchmark and its unit-tier smaller run, pure apart
 * from the PRNG state: AFL-style "havoc" on bytes (bit flips, interesting values, arithmetic,
 * truncation, insertion, deletion, duplication, splicing with another seed) plus dictionary tokens
 * inserted or overwritten, so text protocols (JSON lines, HTTP, TOML) get their own syntax thrown at them.
 */

/** A seeded generator of unsigned 32-bit integers. */
export type Rng = () => number;

/** xorshift32: deterministic, so a failure is reproducible from the seed and the input's index. */
export function xorshift(seed: number): Rng {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const INTERESTING = [0, 1, 2, 4, 8, 16, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff];
const WIDE = [0, 0xffff, 0x8000, 0x7fff, 0x100, 0x1000, 0xffffffff, 0x80000000, 0x7fffffff, 0x10000];

/** Mutations stacked on one copy of `seed` (1 to 8 of them); `pool` feeds splicing, `dict` token edits. */
export function mutate(r: Rng, seed: Buffer, pool: readonly Buffer[], dict: readonly Buffer[] = []): Buffer {
  let b: Buffer = Buffer.from(seed);
  const n = 1 << (r() % 4);
  for (let k = 0; k < n; k++) b = one(r, b, pool, dict);
  return b;
}

function one(r: Rng, b: Buffer, pool: readonly Buffer[], dict: readonly Buffer[]): Buffer {
  const at = () => (b.length ? r() % b.length : 0);
  switch (r() % (dict.length ? 12 : 10)) {
    case 0:
      if (b.length) b[at()] ^= 1 << (r() % 8);
      return b;
    case 1:
      if (b.length) b[at()] = r() & 0xff;
      return b;
    case 2:
      if (b.length) b[at()] = INTERESTING[r() % INTERESTING.length]!;
      return b;
    case 3:
      return wide(r, b);
    case 4:
      if (b.length) b[at()] += (r() % 35) - 17;
      return b;
    case 5:
      return b.subarray(0, r() % (b.length + 1));
    case 6:
      return insert(b, at(), Buffer.from(Array.from({ length: 1 + (r() % 16) }, () => r() & 0xff)));
    case 7: {
      const i = at();
      return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + (r() % 16)))]);
    }
    case 8: {
      const i = at();
      return insert(b, at(), b.subarray(i, i + 1 + (r() % 32)));
    }
    case 9: {
      const other = pool[r() % pool.length] ?? b;
      return Buffer.concat([b.subarray(0, at()), other.subarray(other.length ? r() % other.length : 0)]);
    }
    case 10:
      return insert(b, at(), dict[r() % dict.length]!);
    default: {
      const t = dict[r() % dict.length]!;
      const i = at();
      return Buffer.concat([b.subarray(0, i), t, b.subarray(Math.min(b.length, i + t.length))]);
    }
  }
}

function wide(r: Rng, b: Buffer): Buffer {
  const size = r() % 2 ? 2 : 4;
  if (b.length < size) return b;
  const i = r() % (b.length - size + 1);
  const v = WIDE[r() % WIDE.length]! & (size === 2 ? 0xffff : 0xffffffff);
  const le = r() % 2 === 0;
  if (size === 2) le ? b.writeUInt16LE(v, i) : b.writeUInt16BE(v, i);
  else le ? b.writeUInt32LE(v >>> 0, i) : b.writeUInt32BE(v >>> 0, i);
  return b;
}

const insert = (b: Buffer, i: number, t: Buffer) => Buffer.concat([b.subarray(0, i), t, b.subarray(i)]);

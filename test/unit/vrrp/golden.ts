/** Reads the tcpdump -xx text captures in test/fixtures/vrrp into frames (test helper, not a test). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One captured Ethernet frame with its tcpdump timestamp (seconds). */
export interface Frame {
  ts: number;
  bytes: Buffer;
}

/** Frames of test/fixtures/vrrp/<name>.txt, in capture order. */
export function goldenFrames(name: string): Frame[] {
  return parseTcpdumpHex(
    readFileSync(fileURLToPath(new URL(`../../fixtures/vrrp/${name}.txt`, import.meta.url)), 'utf8'),
  );
}

/** The frames of a `tcpdump -tt -xx` text capture. */
export function parseTcpdumpHex(text: string): Frame[] {
  const frames: Frame[] = [];
  let cur: { ts: number; hex: string } | undefined;
  for (const line of text.split('\n')) {
    const ts = /^(\d+\.\d+) /.exec(line);
    if (ts) {
      if (cur) frames.push({ ts: cur.ts, bytes: Buffer.from(cur.hex, 'hex') });
      cur = { ts: Number(ts[1]), hex: '' };
      continue;
    }
    const hex = /^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4}\s?)+)/.exec(line);
    if (hex && cur) cur.hex += hex[1]!.replace(/\s+/g, '');
  }
  if (cur) frames.push({ ts: cur.ts, bytes: Buffer.from(cur.hex, 'hex') });
  return frames;
}

/** Ethertype of a frame. */
export const ethertype = (f: Frame): number => f.bytes.readUInt16BE(12);

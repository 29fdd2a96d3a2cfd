import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGuests, relayScript, tailFile } from '../../../src/lab/hostio.js';
import { waitFor } from '../../../src/lab/guest.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('lab host I/O', () => {
  it('tailFile follows a file that appears later and delivers each appended chunk once, flushing on stop', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsd-tail-'));
    const file = join(dir, 'progress.log');
    const seen: string[] = [];
    const t = tailFile(file, (s) => seen.push(s), 20);
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(file, 'one\n');
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(file, 'two\n');
    t.stop(); // the last chunk arrives even though no poll ran since
    expect(seen.join('')).toBe('one\ntwo\n');
  });

  it('killGuests touches no process when no guest carries the umid', () => {
    expect(killGuests(`lvsd-lab-no-such-${process.pid}-`)).toBe(0);
  });

  it('the --keep relay runs commands in the client namespace and stops on cmd/quit', () => {
    const sh = relayScript();
    expect(sh).toContain('ip netns exec client sh "$f"');
    expect(sh).toContain('while [ ! -e "$LAB_DIR/cmd/quit" ]');
    expect(sh).toContain('LVSD_SOCKET=/run/lvsd/lb2.sock');
  });

  it('waitFor returns the first defined value, or undefined at the deadline after ticking', async () => {
    let n = 0;
    expect(await waitFor(async () => (++n >= 3 ? n : undefined), 1000, 5)).toBe(3);
    let ticks = 0;
    const t0 = Date.now();
    expect(
      await waitFor(
        async () => undefined,
        60,
        10,
        () => ticks++,
      ),
    ).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    expect(ticks).toBeGreaterThan(0);
  });
});

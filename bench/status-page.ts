/**
 * Status page cost at scale: lvsd --dataplane memory with SERVICES × DESTS real servers (default
 * 100 × 100 = 10,000), each with a TCP check every 5 s (to closed local ports: every probe answers,
 * so every second ~2,000 servers have a new last probe to send), and the status page open in
 * headless Chromium, live at 1 update/s. Prints the page's size, the first snapshot's size, the
 * feed's bytes per second, /status.json's size, and lvsd's CPU (utime+stime from /proc) over
 * SECONDS with the page open against SECONDS with no page, in the same run.
 *   node dist/bench/status-page.js [SECONDS] [SERVICES] [DESTS]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Browser } from '../test/support/browser.js';
import { Lvsd, bigConfig, scratch } from './daemon-util.js';

const seconds = Number(process.argv[2] ?? 60);
const services = Number(process.argv[3] ?? 100);
const dests = Number(process.argv[4] ?? 100);
const TICKS = 100; // USER_HZ

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime (fields 14, 15)
}

async function cpuOver(pid: number, s: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, s * 1000));
  return (cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
}

/** Reads the SSE stream for `s` seconds: bytes of the first event, then of the rest. */
async function feedBytes(url: string, s: number): Promise<{ snapshot: number; rest: number; events: number }> {
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal });
  const reader = res.body!.getReader();
  let snapshot = 0;
  let rest = 0;
  let events = 0;
  let text = '';
  const end = Date.now() + s * 1000;
  setTimeout(() => ctl.abort(), s * 1000 + 50);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = Buffer.from(value);
      if (!snapshot) {
        text += chunk.toString();
        const i = text.indexOf('event: snapshot');
        const j = i >= 0 ? text.indexOf('\n\n', i) : -1;
        if (j >= 0) {
          snapshot = Buffer.byteLength(text.slice(0, j + 2));
          rest += Buffer.byteLength(text.slice(j + 2));
        }
      } else {
        rest += chunk.length;
        events += (chunk.toString().match(/\nevent: delta\n/g) ?? []).length;
      }
      if (Date.now() > end) break;
    }
  } catch {
    /* aborted at the end */
  }
  return { snapshot, rest, events };
}

async function main(): Promise<void> {
  const { dir, rm } = scratch('page');
  const cfg = join(dir, 'lvsd.toml');
  const check = `  [virtual_server.check]\n  type = "tcp"\n  interval = "5s"\n  timeout = "1s"\n`;
  writeFileSync(
    cfg,
    bigConfig({ dir, services, dests, check }).replace(
      'log_level = "info"',
      'log_level = "info"\nmetrics_listen = "127.0.0.1:19405"',
    ),
  );
  const d = new Lvsd(['-f', cfg, '--dataplane', 'memory']);
  const base = 'http://127.0.0.1:19405';
  let browser: Browser | undefined;
  try {
    await d.next((l) => l.msg === 'lvsd started');
    await new Promise((r) => setTimeout(r, 8000)); // every server probed at least once
    const pid = d.proc.pid!;
    const html = (await (await fetch(`${base}/status`)).text()).length;
    const json = (await (await fetch(`${base}/status.json`)).arrayBuffer()).byteLength;
    const idle = await cpuOver(pid, seconds);
    browser = await Browser.launch();
    const p = await browser.page();
    await p.page.goto(`${base}/status`);
    await p.page.locator('#live.ok').waitFor({ timeout: 60_000 });
    const rows = await p.page.locator('tbody tr').count();
    const [open, feed] = await Promise.all([cpuOver(pid, seconds), feedBytes(`${base}/status/events`, seconds)]);
    const failed = p.failed().length;
    console.log(
      `status page, ${services}×${dests} real servers (TCP checks every 5 s), ${seconds} s per phase, load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `  page HTML ${(html / 1024).toFixed(1)} KiB; /status.json ${(json / 1024).toFixed(0)} KiB; rows rendered ${rows}; failed requests ${failed}`,
    );
    console.log(
      `  feed: first snapshot ${(feed.snapshot / 1024).toFixed(0)} KiB, then ${(feed.rest / 1024 / seconds).toFixed(1)} KiB/s (${feed.events} deltas in ${seconds} s)`,
    );
    console.log(
      `  lvsd CPU: no page ${(idle * 100).toFixed(1)}% of a core, page open (+ one more feed reader) ${(open * 100).toFixed(1)}%; the page costs ${((open - idle) * 100).toFixed(1)} points`,
    );
  } finally {
    await browser?.close();
    await d.stop();
    rm();
  }
}

await main();

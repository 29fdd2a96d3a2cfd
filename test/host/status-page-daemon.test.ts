/**
 * Host tier, browser, end to end: headless Chromium on the status page of a running lvsd (memory
 * dataplane, in a namespace) with real nginx backends in namespaces of their own. The page lists
 * the configured services; a killed backend's row turns down with the reason within the detection
 * bound + 1 s, without a page reload; a drain through lvsctl shows on the page; no request fails
 * and none leaves the page's origin. The screenshot is kept in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, type RecordedPage } from '../support/browser.js';
import { hasRoot } from '../support/root.js';
import { CockpitLab, backendAddr } from './cockpit-lab.js';
import { ROOT, lvsctl, requireBuild } from './daemon-support.js';

const INTERVAL = 300;
const TIMEOUT = 200;
const FALL = 2;
/** Longest time from a backend's death to its down verdict: fall rounds, the last one timing out. */
const DETECTION_BOUND = FALL * INTERVAL + TIMEOUT;

describe.skipIf(!hasRoot('host: status page of a running lvsd in Chromium'))('status page of a running lvsd', () => {
  let lab: CockpitLab;
  let browser: Browser;
  let p: RecordedPage;
  const origin = 'http://127.0.0.1:9405';
  const cell = (rs: string, n: number) => `section[data-vs="web"] tr[data-rs="${rs}:80"] td:nth-child(${n})`;

  beforeAll(async () => {
    requireBuild();
    lab = new CockpitLab('sp', 3);
    await Promise.all([0, 1, 2].map((i) => lab.startBackend(i)));
    const rs = (port: number) =>
      [0, 1, 2]
        .map(
          (i) =>
            `  [[virtual_server.real_server]]\n  address = "${backendAddr(i)}"\n  port = ${port}\n  weight = 100\n`,
        )
        .join('');
    await lab.startLvsd(`[global]
router_id = "lb-browser"
control_socket = "${lab.sock}"
state_file = "${lab.s.path('state.json')}"
metrics_listen = "127.0.0.1:9405"
resync_interval = "5s"
[[virtual_server]]
name = "web"
address = "10.77.0.100"
port = 80
scheduler = "wrr"
  [virtual_server.check]
  type = "http"
  path = "/"
  interval = "${INTERVAL}ms"
  timeout = "${TIMEOUT}ms"
  rise = 1
  fall = ${FALL}
  warmup = false
${rs(80)}
[[virtual_server]]
name = "web-alt"
address = "10.77.0.100"
port = 8080
scheduler = "rr"
${rs(80)}
`);
    browser = await Browser.launch({ netns: lab.lb.name });
    p = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    lab?.close();
  });

  it('lists the configured services and their real servers, live', async () => {
    await p.page.goto(`${origin}/status`);
    await p.page.locator('#live.ok').waitFor({ timeout: 10_000 });
    const names = await p.page
      .locator('section.vs')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.vs));
    expect(names).toEqual(['web', 'web-alt']);
    await p.page.waitForFunction(
      (sel) =>
        document.querySelectorAll(sel).length === 3 &&
        Array.from(document.querySelectorAll(sel)).every((td) => td.textContent === 'up'),
      'section[data-vs="web"] tbody tr td:nth-child(2)',
      { timeout: 10_000 },
    );
    expect(await p.page.locator('#router').textContent()).toBe('lb-browser');
    // a marker that a page reload would wipe out
    await p.page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  });

  it('a killed backend turns down with the reason within the detection bound + 1 s, without a reload', async () => {
    const t0 = Date.now();
    await lab.killBackend(1);
    await p.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'down',
      cell(backendAddr(1), 2),
      {
        timeout: DETECTION_BOUND + 10_000,
        polling: 20,
      },
    );
    const elapsed = Date.now() - t0;
    const why = await p.page.locator(cell(backendAddr(1), 9)).textContent();
    expect(why).toMatch(/refused|ECONNREFUSED/i);
    expect(elapsed, `down shown after ${elapsed} ms (bound ${DETECTION_BOUND} + 1000)`).toBeLessThanOrEqual(
      DETECTION_BOUND + 1000,
    );
    expect(await p.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await p.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
  });

  it('a drain through lvsctl shows on the page', async () => {
    const r = lvsctl(['-s', lab.sock, 'state', 'web', `${backendAddr(2)}:80`, 'drain']);
    expect(r.code, r.stderr).toBe(0);
    await p.page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'drain',
      cell(backendAddr(2), 3),
      {
        timeout: 5000,
      },
    );
    expect(await p.page.locator(cell(backendAddr(2), 4)).textContent()).toBe('100 / 0 / 0');
    expect(await p.page.locator('#transitions li').first().textContent()).toContain('ready → drain');
  });

  it('kept a screenshot; no request failed and none left the page origin', async () => {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await p.page.screenshot({ path: join(ROOT, 'test-artifacts/status-page.png'), fullPage: true });
    expect(p.failed()).toEqual([]);
    expect(p.offOrigin(origin)).toEqual([]);
    expect(p.requests.map((r) => new URL(r.url).pathname).sort()).toEqual(['/status', '/status/events']);
  });
});

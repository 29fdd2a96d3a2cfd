/**
 * Host tier, browser: the status page in headless Chromium, served by the real metrics listener and
 * status routes over a scripted status report (no daemon): it renders every virtual and real
 * server, follows the live feed's deltas, shows the optional sections only when the report has
 * them, filters, lays out on a phone, loads nothing but its own origin, and no request fails.
 * The daemon end to end is test/host/status-page-daemon.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetricsServer } from '../../src/metrics/http.js';
import { StatusRoutes } from '../../src/web/routes.js';
import { Browser, type RecordedPage } from '../support/browser.js';
import { ROOT } from './daemon-support.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');

function report(over: { down?: string; sync?: unknown; transitions?: unknown[] } = {}) {
  const now = Date.now();
  const rs = (addr: string, health = 'up') => ({
    rs: addr,
    configuredWeight: 100,
    desiredWeight: health === 'up' ? 100 : 0,
    kernelWeight: health === 'up' ? 100 : 0,
    health,
    healthSince: now - 65_000,
    reason: health === 'up' ? 'HTTP 200 in 1.2 ms' : 'connection refused',
    drained: false,
    active: 3,
    inactive: 12,
    stats: {
      conns: '1520',
      inpkts: '1',
      outpkts: '1',
      inbytes: '1',
      outbytes: '1',
      cps: '4',
      inbps: '5300',
      outbps: '98000',
    },
  });
  const web = ['10.1.0.11:80', '10.1.0.12:80', '10.1.0.13:80'].map((a) => rs(a, a === over.down ? 'down' : 'up'));
  return {
    generatedAt: now,
    daemon: {
      pid: 4242,
      routerId: 'lb-test',
      configFile: '/etc/lvsd/lvsd.toml',
      generation: 3,
      startedAt: now - 3_600_000,
      dataplane: 'memory',
      lastReload: { at: now - 120_000, ok: true, summary: '+1 service' },
      lastReconcile: { at: now - 2000, ops: 1, failed: [], durationMs: 0.4 },
    },
    virtualServers: [
      {
        name: 'web',
        service: 'TCP 192.0.2.10:80',
        scheduler: 'wrr',
        inKernel: true,
        belowQuorum: false,
        realServers: web,
        extraDestinations: [],
      },
      {
        name: 'dns',
        service: 'UDP 192.0.2.10:53',
        scheduler: 'rr',
        inKernel: true,
        belowQuorum: false,
        realServers: [rs('10.1.0.21:53'), rs('10.1.0.22:53')],
        extraDestinations: [{ rs: '10.1.0.99:53', weight: 1, active: 0, inactive: 0 }],
      },
    ],
    vrrp: [
      {
        name: 'VI_1',
        state: 'MASTER',
        priority: 150,
        effectivePriority: 150,
        since: now - 3_000_000,
        reason: 'higher priority',
      },
    ],
    ...(over.sync ? { sync: over.sync } : {}),
    ...(over.transitions ? { transitions: over.transitions } : {}),
  };
}

describe('status page in Chromium (scripted report)', () => {
  let current = report();
  let server: MetricsServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const routes = new StatusRoutes({ status: () => current, intervalMs: 200 });
    server = await MetricsServer.listen(
      { host: '127.0.0.1', port: 0 },
      { metrics: async () => '', unhealthy: () => undefined, routes },
    );
    origin = `http://127.0.0.1:${server.port()}`;
    browser = await Browser.launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rowHealth = (p: RecordedPage, vs: string, rs: string) =>
    p.page.locator(`section[data-vs="${vs}"] tr[data-rs="${rs}"] td:nth-child(2)`);

  it('lists every virtual and real server, follows deltas, shows optional sections only when present', async () => {
    current = report();
    const p = await browser.page();
    const csp: string[] = [];
    p.page.on('console', (m) => m.type() === 'error' && csp.push(m.text()));
    await p.page.goto(`${origin}/status`);
    await p.page.locator('#live.ok').waitFor({ timeout: 10_000 });
    expect(
      await p.page.locator('section.vs').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.vs)),
    ).toEqual(['web', 'dns']);
    expect(await p.page.locator('section[data-vs="web"] tbody tr').count()).toBe(3);
    expect(await rowHealth(p, 'web', '10.1.0.12:80').textContent()).toBe('up');
    expect(await p.page.locator('#router').textContent()).toBe('lb-test');
    expect(await p.page.locator('#vrrp-sec').isVisible()).toBe(true);
    expect(await p.page.locator('#sync-sec').isVisible()).toBe(false);
    expect(await p.page.locator('#transitions-sec').isVisible()).toBe(false);

    current = report({
      down: '10.1.0.12:80',
      sync: { state: 'master', interface: 'eth0', syncId: 51 },
      transitions: [
        {
          at: Date.now(),
          kind: 'health',
          vs: 'web',
          rs: '10.1.0.12:80',
          from: 'up',
          to: 'down',
          reason: 'connection refused',
        },
      ],
    });
    await p.page.waitForFunction(
      () =>
        document.querySelector('section[data-vs="web"] tr[data-rs="10.1.0.12:80"] td:nth-child(2)')?.textContent ===
        'down',
      undefined,
      { timeout: 5000 },
    );
    const row = await p.page.locator('section[data-vs="web"] tr[data-rs="10.1.0.12:80"]').textContent();
    expect(row).toContain('connection refused');
    expect(await p.page.locator('#sync-sec').isVisible()).toBe(true);
    expect(await p.page.locator('#sync').textContent()).toContain('master');
    expect(await p.page.locator('#transitions li').first().textContent()).toContain('up → down');

    // filter: "problems only" leaves the down server alone
    await p.page.locator('#problems').check();
    expect(await p.page.locator('tbody tr:visible').count()).toBe(1); // the down server
    await p.page.locator('#problems').uncheck();
    await p.page.locator('#filter').fill('10.1.0.2');
    expect(await p.page.locator('section.vs:visible').count()).toBe(1);

    await p.page.screenshot({ path: join(ARTIFACTS, 'status-page-scripted.png'), fullPage: true });
    expect(p.failed()).toEqual([]);
    expect(p.offOrigin(origin)).toEqual([]);
    expect(csp).toEqual([]);
    await p.page.close();
  });

  it('is readable on a phone: rows become labelled cards, nothing wider than the screen', async () => {
    current = report();
    const phone = await Browser.launch({ viewport: { width: 390, height: 844 } });
    try {
      const p = await phone.page();
      await p.page.goto(`${origin}/`);
      await p.page.locator('#live.ok').waitFor({ timeout: 10_000 });
      const width = await p.page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      expect(await p.page.locator('thead').first().isVisible()).toBe(false);
      const label = await p.page
        .locator('section[data-vs="web"] tbody tr td:nth-child(2)')
        .first()
        .evaluate((td) => getComputedStyle(td, '::before').content);
      expect(label).toBe('"health"');
      await p.page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
      expect(p.failed()).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('exports the report as JSON and answers the feed as server-sent events', async () => {
    current = report();
    const j = await fetch(`${origin}/status.json`);
    expect(j.headers.get('content-type')).toBe('application/json');
    expect(((await j.json()) as { daemon: { routerId: string } }).daemon.routerId).toBe('lb-test');
    const page = await fetch(`${origin}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await page.text()).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by .ci/setup; playwright
 * never downloads a browser) driven by playwright-core, with a fresh profile directory per launch
 * and the flags that keep Chromium from reaching out to the network on its own (this machine's
 * closed network would otherwise refuse those background connections and slow the start).
 *
 * Every page opened through `Browser.page()` records its requests: `failed()` lists requests that
 * failed at the network level or got an HTTP error status, and `offOrigin()` any request to another
 * origin than the page's.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, sandbox-less headless Chromium (tests run as root). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Throws a clear error when Debian's chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/setup does)`);
}

/** One request the page made, and how it ended. */
export interface RequestRecord {
  url: string;
  method: string;
  status?: number;
  failure?: string;
}

/** A page with its request log. */
export interface RecordedPage {
  page: Page;
  requests: RequestRecord[];
  /** Requests that failed (network error, or an HTTP status >= 400). */
  failed(): RequestRecord[];
  /** Requests to an origin other than `origin`. */
  offOrigin(origin: string): RequestRecord[];
}

/** A running headless Chromium with its own profile directory. */
export class Browser {
  private constructor(
    readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  /**
   * Starts Chromium with a fresh profile (removed by `close()`). With `netns`, Chromium runs inside
   * that network namespace (through `ip netns exec`, which execs it), so it reaches listeners there.
   */
  static async launch(opts: { viewport?: { width: number; height: number }; netns?: string } = {}): Promise<Browser> {
    requireChromium();
    const profile = mkdtempSync(join(tmpdir(), 'lvsd-chromium-'));
    let executablePath = CHROMIUM;
    if (opts.netns) {
      executablePath = join(profile, 'chromium-in-netns');
      writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${opts.netns}' ${CHROMIUM} "$@"\n`, {
        mode: 0o755,
      });
    }
    const context = await chromium.launchPersistentContext(join(profile, 'profile'), {
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
    });
    return new Browser(context, profile);
  }

  /** Opens a page that records its requests. */
  async page(): Promise<RecordedPage> {
    const page = await this.context.newPage();
    const requests: RequestRecord[] = [];
    const byRequest = new Map<object, RequestRecord>();
    page.on('request', (r) => {
      const rec = { url: r.url(), method: r.method() };
      byRequest.set(r, rec);
      requests.push(rec);
    });
    page.on('response', (r) => {
      const rec = byRequest.get(r.request());
      if (rec) rec.status = r.status();
    });
    page.on('requestfailed', (r) => {
      const rec = byRequest.get(r);
      if (rec) rec.failure = r.failure()?.errorText ?? 'failed';
    });
    return {
      page,
      requests,
      failed: () => requests.filter((r) => r.failure !== undefined || (r.status ?? 0) >= 400),
      offOrigin: (origin) => requests.filter((r) => !r.url.startsWith(origin + '/') && !r.url.startsWith('data:')),
    };
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

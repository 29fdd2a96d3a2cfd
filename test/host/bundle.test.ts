/**
 * The bundle bin/ runs (scripts/bundle.mjs): V8 takes the code cache the build recorded, and the
 * start path really runs from the bundle (VRRP worker beside it, no computed import left behind).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS module of bin/, no type declarations
import { bundleFile, compileBundle } from '../../bin/load-bundle.js';
import { ROOT, requireBuild } from './daemon-support.js';

describe('bin/ bundle', () => {
  it('V8 accepts the code cache recorded by the build for this node', () => {
    requireBuild();
    expect(bundleFile()).toBe(join(ROOT, 'dist/bundle/main.cjs'));
    for (const name of ['main', 'ipvs'])
      expect((compileBundle(bundleFile(name)) as { cache: string }).cache, name).toBe('used');
  });

  it('a cache recorded for other code is rejected and a missing one is reported; the bundle compiles either way', () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-bundle-'));
    try {
      const copy = join(dir, 'main.cjs');
      copyFileSync(join(ROOT, 'dist/bundle/main.cjs'), copy);
      expect((compileBundle(copy) as { cache: string }).cache).toBe('missing');
      // the build's cache beside a bundle that changed after it was recorded (V8 checks the source)
      writeFileSync(copy, readFileSync(copy, 'utf8') + '// rebuilt\n');
      copyFileSync(join(ROOT, 'dist/bundle/main.cjs.cache'), `${copy}.cache`);
      const r = compileBundle(copy) as { cache: string; script: { runInThisContext(): unknown } };
      expect(r.cache).toBe('rejected');
      expect(typeof r.script.runInThisContext()).toBe('function'); // the wrapper, not yet run
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundle holds the rtnetlink VRRP host and the worker beside it (no silent iproute2 fallback)', () => {
    requireBuild();
    const main = readFileSync(join(ROOT, 'dist/bundle/main.cjs'), 'utf8');
    const worker = readFileSync(join(ROOT, 'dist/bundle/worker.js'), 'utf8');
    for (const src of [main, worker]) expect(src).toContain('function openRtnlHost(');
    expect(main).toContain('new URL("./worker.js", __lvsdImportMetaUrl)');
  });
});

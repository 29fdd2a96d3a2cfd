import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRoot } from '../support/root.js';

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

// Needs `npm run build` first (npm test does it): the package ships dist/.
describe.skipIf(!hasRoot('host: npm pack and install'))('npm pack', () => {
  it('produces a package that installs offline into a clean directory and runs lvsd --version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-pack-'));
    try {
      const listing = run('npm', ['pack', '--json', '--pack-destination', dir], process.cwd());
      const files = (JSON.parse(listing) as Array<{ filename: string; files: Array<{ path: string }> }>)[0];
      const paths = files.files.map((f) => f.path);
      for (const p of [
        'bin/lvsd',
        'bin/lvsctl',
        'bin/load-bundle.js',
        'dist/bundle/main.cjs',
        'dist/bundle/main.cjs.cache',
        'dist/bundle/ipvs.cjs',
        'dist/bundle/ipvs.cjs.cache',
        'dist/bundle/worker.js',
        'conf/lab/lb1.toml',
        'package.json',
      ])
        expect(paths).toContain(p);
      expect(paths.some((p) => p.startsWith('node_modules/') || p.startsWith('src/'))).toBe(false);
      const app = join(dir, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), '{"name":"clean-app","version":"1.0.0","private":true}\n');
      // Offline: dependencies come from the local npm cache (filled by `npm ci`), never the network.
      run(
        'npm',
        ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, files.filename)],
        app,
      );
      const version = (
        JSON.parse(run('node', ['-p', 'JSON.stringify(require("./package.json"))'], process.cwd())) as {
          version: string;
        }
      ).version;
      expect(run(join(app, 'node_modules/.bin/lvsd'), ['--version'], app)).toBe(`lvsd ${version}\n`);
      expect(run(join(app, 'node_modules/.bin/lvsctl'), ['--version'], app)).toBe(`lvsctl ${version}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

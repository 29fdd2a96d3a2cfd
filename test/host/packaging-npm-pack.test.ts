/**
 * `npm pack` makes a package that installs into a clean directory and runs without the repository.
 * The install is offline with an EMPTY npm cache, as on a fresh machine (a used machine's ~/.npm
 * may hold registry metadata a fresh one lacks): the package's dependencies are offered as
 * tarballs packed from the repository's node_modules, at the versions package-lock.json pins, in
 * place of the registry. So npm must resolve every dependency of the packed lvsd from them.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRoot } from '../support/root.js';

const run = (cmd: string, args: string[], cwd: string, cache?: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', ...(cache ? { npm_config_cache: cache } : {}) },
  });

/** node_modules paths of the installed runtime dependencies (not dev), from package-lock.json. */
function runtimeDependencies(): string[] {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  // Optional platform packages (koffi's, for other systems) are in the lock but not installed.
  const paths = Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && existsSync(path))
    .map(([path]) => path);
  const names = paths.map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
  // Two versions of one package cannot both be offered at the top level: this test would need a change.
  expect(new Set(names).size, 'one version per dependency').toBe(names.length);
  return paths;
}

// Needs `npm run build` first (npm test does it): the package ships dist/.
describe.skipIf(!hasRoot('host: npm pack and install'))('npm pack', () => {
  it('produces a package that installs offline, with an empty npm cache, into a clean directory and runs lvsd --version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-pack-'));
    const cache = join(dir, 'empty-npm-cache');
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
      const deps = join(dir, 'deps');
      mkdirSync(deps);
      const packed = JSON.parse(
        run(
          'npm',
          [
            'pack',
            '--json',
            '--ignore-scripts',
            '--pack-destination',
            deps,
            ...runtimeDependencies().map((p) => `./${p}`),
          ],
          '.',
        ),
      ) as Array<{ filename: string }>;
      expect(packed.map((p) => p.filename)).toContain('pino-10.4.0.tgz');
      // Offline, from an empty cache: nothing but the tarballs given here, never the network.
      run(
        'npm',
        [
          'install',
          '--offline',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          join(dir, files.filename),
          ...packed.map((p) => join(deps, p.filename)),
        ],
        app,
        cache,
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

/**
 * Second build step (after tsc): bundles the compiled CLI into dist/bundle/, which bin/lvsd and
 * bin/lvsctl run through bin/load-bundle.js, and records V8's code cache for it.
 *
 * Why: Node 20's ES module loader resolves, reads and compiles each file on its own, and a daemon
 * start imports ~150 of them (zod alone is dozens); and Node 20 has no compile cache
 * (module.enableCompileCache came with Node 22). One CommonJS file compiled with `vm.Script` can
 * take V8's cached data, so the start neither loads 150 files nor compiles what the cache holds.
 * With 10,000 checked servers, spawn → first probe went from ~430 ms to under 300 (BENCHMARKS.md).
 *
 * Contract:
 * - dist/src/main.js → dist/bundle/main.cjs: one CommonJS file. Lazy `import()`s of lvsd's own
 *   modules stay lazy (esbuild evaluates such a module on first import), so VRRP, prom-client, each
 *   checker kind and the netlink stack still run only when used; their source is in the file.
 *   `import.meta.url` becomes the file's own URL.
 * - dist/src/cli/ipvs-entry.js → dist/bundle/ipvs.cjs: the same for `lvsd ipvs ...` alone (bin/lvsd
 *   picks it when its first argument is "ipvs"). Inside user-mode Linux the whole-program file and
 *   its cache made `lvsd ipvs restore` slower than loading the files it needs; this one holds
 *   only those.
 * - dist/src/vrrp/worker.js → dist/bundle/worker.js (ES module): src/vrrp/backend.ts finds it as
 *   ./worker.js beside the code that starts it, as it does in dist/src/vrrp/.
 * - dist/src/health/shard-worker.js → dist/bundle/shard-worker.cjs, started as the thread
 *   dist/bundle/shard-worker.js (src/health/shards.ts finds it as ./shard-worker.js, as in
 *   dist/src/health/), a two-line loader running it through bin/load-bundle.js with its code cache.
 * - koffi stays external: a native addon is loaded from node_modules at run time.
 * - names are kept (no minification): stack traces in logs stay readable.
 * - zod's 60-odd message locales are left out (`z.locales` is a namespace export, so tree-shaking
 *   cannot drop them, ~0.5 MB): lvsd writes its own messages and uses only the English default,
 *   which zod's schemas import directly (zod/v4/classic/schemas.js), not through `locales`.
 * - main.cjs.cache, shard-worker.cjs.cache and ipvs.cjs.cache: V8's code caches, written by
 *   warm-up runs: the daemon with its probes in one shard thread (for the shard's cache), the daemon
 *   as a small config runs it (memory dataplane, a TCP and an HTTP check in process, ~0.5 s; its
 *   main.cjs.cache replaces the first run's) and `lvsd ipvs restore` of a rules file
 *   whose last line is bad (nothing applied), so that they hold the functions a start and a restore
 *   run. V8 rejects a cache for another Node binary; then the bundle is compiled as usual
 *   (bin/load-bundle.js).
 * Fails (exit 1) on any esbuild error or warning, on an import() left unresolved, or when the
 * warm-up run fails.
 */
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  external: ['koffi'],
  plugins: [onlyEnglishZodLocale()],
  logLevel: 'warning',
};
const results = await Promise.all([
  ...[
    ['main', 'dist/src/main.js'],
    ['ipvs', 'dist/src/cli/ipvs-entry.js'],
    ['shard-worker', 'dist/src/health/shard-worker.js'],
  ].map(([name, entry]) =>
    build({
      ...common,
      entryPoints: [join(root, entry)],
      outfile: join(outdir, `${name}.cjs`),
      format: 'cjs',
      define: { 'import.meta.url': '__lvsdImportMetaUrl' },
      banner: { js: "const __lvsdImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
  ),
  build({
    ...common,
    entryPoints: [join(root, 'dist/src/vrrp/worker.js')],
    outfile: join(outdir, 'worker.js'),
    format: 'esm',
    // CommonJS dependencies call require() for Node built-ins; an ES module has none
    banner: {
      js: "import { createRequire as __lvsdCreateRequire } from 'node:module'; const require = __lvsdCreateRequire(import.meta.url);",
    },
  }),
]);
// The health shard thread's entry: loads shard-worker.cjs with its code cache, as bin/lvsd loads main.cjs.
writeFileSync(
  join(outdir, 'shard-worker.js'),
  '// Health shard thread (src/health/shards.ts): shard-worker.cjs with its code cache (bin/load-bundle.js).\n' +
    "import { loadBundle } from '../../bin/load-bundle.js';\nloadBundle('shard-worker');\n",
);
if (results.some((r) => r.errors.length > 0 || r.warnings.length > 0)) process.exit(1);
// An import() esbuild could not resolve (a computed specifier) is left as is: it would fail in the
// bundle (vm.Script has no module loader; ./x.js is not beside the bundle) and code that catches
// the failure would silently take a fallback. Refuse to build instead. ("{import('./x').T}" is a JSDoc
// type in a comment, as re2js's bundle has, not a call.)
const BUNDLES = ['main.cjs', 'ipvs.cjs', 'worker.js', 'shard-worker.cjs'];
for (const f of BUNDLES) {
  const left = /[^\w.${]import\((?!\))[^)]{0,60}/.exec(readFileSync(join(outdir, f), 'utf8'));
  if (left) {
    process.stderr.write(`bundle: ${f} still has a dynamic import esbuild could not resolve: ${left[0].trim()}\n`);
    process.exit(1);
  }
}
// esbuild escapes non-ASCII characters in code but keeps them in the doc comments it preserves; one
// such character makes V8 hold the whole source as a two-byte string (4 MB instead of 2 MB of heap
// for main.cjs, kept for the life of the process). In a comment an escape is as readable.
for (const f of BUNDLES) {
  const path = join(outdir, f);
  const text = readFileSync(path, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(path, ascii);
}
await warmUp();
process.stdout.write(`bundle: ${outdir}/main.cjs, ipvs.cjs, shard-worker.cjs, worker.js and their code caches\n`);

/** Resolves zod's `../locales/index.js` (imported only to re-export it as `locales`) to English alone. */
function onlyEnglishZodLocale() {
  return {
    name: 'only-english-zod-locale',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
          ? { path: 'zod-locales-en', namespace: 'lvsd' }
          : undefined,
      );
      b.onLoad({ filter: /^zod-locales-en$/, namespace: 'lvsd' }, () => ({
        contents: "export { default as en } from 'zod/v4/locales/en.js';",
        resolveDir: root,
      }));
    },
  };
}

/**
 * Runs the daemon from the new bundle with LVSD_WRITE_CODE_CACHE set (bin/load-bundle.js
 * writes the cache when the process exits): memory dataplane, one TCP and one HTTP check against a
 * closed local port, stopped with SIGTERM once it has started and probed.
 */
async function warmUp() {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-warmup-'));
  try {
    const cfg = join(dir, 'warmup.toml');
    writeFileSync(
      cfg,
      `[global]\ncontrol_socket = "${dir}/lvsd.sock"\nstate_file = "${dir}/state.json"\nlog_level = "info"\n` +
        `[[virtual_server]]\nname = "tcp"\naddress = "10.255.0.1"\nport = 80\nscheduler = "wrr"\n` +
        `  [virtual_server.check]\n  type = "tcp"\n  interval = "1s"\n  timeout = "200ms"\n` +
        `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = 9\n  weight = 100\n` +
        `  [[virtual_server.real_server]]\n  address = "127.0.0.2"\n  port = 9\n` +
        `[[virtual_server]]\nname = "http"\naddress = "10.255.0.1"\nport = 443\n` +
        `  [virtual_server.check]\n  type = "http"\n  interval = "1s"\n  timeout = "200ms"\n  path = "/healthz"\n` +
        `  [[virtual_server.real_server]]\n  address = "127.0.0.1"\n  port = 9\n`,
    );
    for (const [shards, cache] of [
      ['1', 'shard-worker.cjs.cache'],
      [undefined, 'main.cjs.cache'],
    ]) {
      const env = { ...process.env, LVSD_WRITE_CODE_CACHE: '1' };
      if (shards) env.LVSD_HEALTH_SHARDS = shards;
      else delete env.LVSD_HEALTH_SHARDS;
      const child = spawn(process.execPath, [join(root, 'bin/lvsd'), '-f', cfg, '--dataplane', 'memory'], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
      const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      const deadline = Date.now() + 30_000;
      while (!out.includes('"lvsd started"') && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // a probe round and the first pass
      child.kill('SIGTERM');
      const { code } = await exited;
      if (code !== 0 || !existsSync(join(outdir, cache))) {
        process.stderr.write(
          `bundle: the warm-up run of the daemon failed (exit ${code}, ${cache}); its output:\n${out}\n`,
        );
        process.exit(1);
      }
    }
    // Second run, for ipvs.cjs: `lvsd ipvs restore` parses and encodes rules. The last line is bad,
    // so nothing is ever applied (every line is validated before any is sent), even on a machine
    // with IPVS.
    const rules = [];
    for (let i = 1; i <= 20; i++) {
      rules.push(`-A -t 10.255.1.${i}:80 -s wrr`, `-A -u 10.255.1.${i}:53 -s rr -p 300`);
      for (let j = 1; j <= 3; j++)
        rules.push(
          `-a -t 10.255.1.${i}:80 -r 10.255.2.${j}:8080 -m -w ${j}`,
          `-a -u 10.255.1.${i}:53 -r 10.255.2.${j}:53 -g -w 1`,
        );
    }
    rules.push('-A -t not-an-address:80 -s wrr');
    const restore = spawnSync(process.execPath, [join(root, 'bin/lvsd'), 'ipvs', 'restore'], {
      input: rules.join('\n') + '\n',
      env: { ...process.env, LVSD_WRITE_CODE_CACHE: '1' },
      encoding: 'utf8',
    });
    if (
      restore.status !== 1 ||
      !restore.stderr.includes('nothing was applied') ||
      !existsSync(join(outdir, 'ipvs.cjs.cache'))
    ) {
      process.stderr.write(
        `bundle: the warm-up run of lvsd ipvs restore did not end as expected (exit ${restore.status}):\n${restore.stderr}\n`,
      );
      process.exit(1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

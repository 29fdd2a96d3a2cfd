/**
 * Second build step (after tsc): bundles the compiled CLI into dist/bundle/, which bin/lvsd and
 * bin/lvsctl run. Why: Node 20's ES module loader resolves, reads and compiles each file on its own,
 * and lvsd's start imports ~150 of them (zod alone is dozens). One bundle with code splitting keeps
 * the lazy loading of src/ (VRRP, prom-client, each checker, the netlink stack load only when used:
 * every `import()` becomes its own chunk) and cuts the start of `lvsd -f` with 10,000 checked
 * servers by ~60 ms on the host (BENCHMARKS.md), and module loading of `lvsd ipvs` inside UML, where
 * every file touched costs page faults.
 *
 * Contract:
 * - entry points: dist/src/main.js → dist/bundle/main.js, and the VRRP worker
 *   dist/src/vrrp/worker.js → dist/bundle/worker.js (src/vrrp/backend.ts finds it as ./worker.js
 *   next to the chunk that holds it, as it does in dist/src/vrrp/);
 * - koffi stays external: a native addon is loaded from node_modules at run time;
 * - CommonJS dependencies (pino, prom-client, dns-packet) call require() for Node built-ins; the
 *   banner gives every chunk a real require(), since ES modules have none;
 * - names are kept (no minification): stack traces in logs stay readable;
 * - zod's 60-odd message locales are left out (`z.locales` is a namespace export, so tree-shaking
 *   cannot drop them, ~0.5 MB of the bundle): lvsd writes its own messages and uses only the English
 *   default, which zod's schemas import directly (zod/v4/classic/schemas.js), not through `locales`.
 * - a CommonJS package must not be the target of a dynamic import(): in a split bundle that import
 *   yields only `default` (under Node's own loader it also has named exports), so the build fails
 *   on such a chunk; import the package statically from a small module and import() that instead
 *   (src/metrics/registry.ts).
 * Fails (exit 1) on any esbuild error or warning about an unresolved import.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  entryPoints: { main: join(root, 'dist/src/main.js'), worker: join(root, 'dist/src/vrrp/worker.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunk-[hash]',
  external: ['koffi'],
  banner: { js: "import { createRequire as __lvsdCreateRequire } from 'node:module'; const require = __lvsdCreateRequire(import.meta.url);" },
  plugins: [onlyEnglishZodLocale()],
  logLevel: 'warning',
  metafile: true,
});
/** Resolves zod's `../locales/index.js` (imported only to re-export it as `locales`) to English alone. */
function onlyEnglishZodLocale() {
  return {
    name: 'only-english-zod-locale',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales-en', namespace: 'lvsd' } : undefined,
      );
      b.onLoad({ filter: /^zod-locales-en$/, namespace: 'lvsd' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';", resolveDir: root }));
    },
  };
}

if (result.errors.length > 0 || result.warnings.length > 0) process.exit(1);
for (const file of Object.keys(result.metafile.outputs)) {
  const m = /^export default (require_\w+)\(\);$/m.exec(readFileSync(join(root, file), 'utf8'));
  if (!m) continue;
  process.stderr.write(`bundle: ${file} is a CommonJS package (${m[1]}) reached by a dynamic import(): it would have no named exports\n`);
  process.exit(1);
}
const files = Object.keys(result.metafile.outputs).length;
process.stdout.write(`bundle: ${files} files in ${outdir}\n`);

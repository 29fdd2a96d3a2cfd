/**
 * Loads a bundle bin/lvsd and bin/lvsctl run (dist/bundle/main.cjs or ipvs.cjs, made by
 * scripts/bundle.mjs) as CommonJS through `vm.Script`, handing V8 the code cache recorded at build
 * time (<bundle>.cache): the functions a start runs are then read from the cache instead of compiled.
 * Node 20 offers no other way to give cached code to a module (Node 22 has
 * module.enableCompileCache). A cache V8 rejects (another Node binary or V8 version) or a missing
 * one only costs the compile time: the bundle runs either way.
 * With LVSD_WRITE_CODE_CACHE set, the cache is (re)written when the process exits (the build's
 * warm-up run does this).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Path of bundle `name`: "main" (every command) or "ipvs" (`lvsd ipvs ...` alone). */
export function bundleFile(name = 'main') {
  return fileURLToPath(new URL(`../dist/bundle/${name}.cjs`, import.meta.url));
}

/**
 * Compiles the bundle with its code cache. `cache` tells what V8 made of the cache: "used",
 * "rejected" (compiled without it) or "missing".
 */
export function compileBundle(file = bundleFile()) {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  return { script, cache };
}

/** Compiles and runs bundle `name`; returns its exports (`main`). */
export function loadBundle(name = 'main') {
  const file = bundleFile(name);
  const { script } = compileBundle(file);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (process.env.LVSD_WRITE_CODE_CACHE)
    process.once('exit', () => writeFileSync(`${file}.cache`, script.createCachedData()));
  return module.exports;
}

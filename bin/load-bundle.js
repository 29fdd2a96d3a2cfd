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
import { setFlagsFromString } from 'node:v8';
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

/**
 * Keeps V8's young generation at its first size (`--semi-space-growth-factor=1`, which V8 reads
 * whenever it would grow it), unless the operator sized it (node argv or NODE_OPTIONS:
 * --semi-space-growth-factor, --max-semi-space-size, --min-semi-space-size). Its semi-spaces
 * otherwise grow while the bundle starts (to 8 MB, and to 16 MB with a large config's garbage) and
 * stay committed: at keepalived #2318's size lvsd's RSS after programming was 110-112 MB with them
 * grown to 8 MB, 103-105 MB without (host). Called after the bundle's code cache is read (V8
 * rejects a cache made under other flags) and before the bundle runs. Changes nothing while the
 * build records that cache; returns whether it set the flag.
 */
export function keepYoungGenerationSmall(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS) {
  if (process.env.LVSD_WRITE_CODE_CACHE) return false;
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((a) => /^--(semi[-_]space[-_]growth[-_]factor|(max|min)[-_]semi[-_]space[-_]size)(=|$)/.test(a)))
    return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}

/** Compiles and runs bundle `name`; returns its exports (`main`). */
export function loadBundle(name = 'main') {
  const file = bundleFile(name);
  const { script } = compileBundle(file);
  keepYoungGenerationSmall();
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (process.env.LVSD_WRITE_CODE_CACHE)
    process.once('exit', () => writeFileSync(`${file}.cache`, script.createCachedData()));
  return module.exports;
}

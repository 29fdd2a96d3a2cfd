/**
 * The one way lvsd changes V8 flags at run time (heap growth for the health engine, the one-shot
 * settings of `lvsd ipvs`). V8 stamps a code cache with the flags in force when it is made and
 * rejects it under other flags, so the build's warm-up run, which records the bundle's code cache at
 * exit (LVSD_WRITE_CODE_CACHE, bin/load-bundle.js), changes none: its cache then matches a fresh
 * process, which compiles the bundle before any flag is set.
 */
/** Sets a V8 flag now; returns false (and changes nothing) while a code cache is being recorded. */
export function setV8Flag(flag: string): boolean {
  if (process.env.LVSD_WRITE_CODE_CACHE) return false;
  process.getBuiltinModule('node:v8').setFlagsFromString(flag); // not an ES import: see src/main.ts
  return true;
}

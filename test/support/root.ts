/**
 * Root gating for host and kernel tests. A tier may skip only when not running as root, and must say
 * so; under CI (CI=true) nothing may skip, so a non-root CI run fails loudly instead.
 * Usage: `describe.skipIf(!hasRoot('host: VRRP with keepalived'))('...', () => { ... })`
 */
export function hasRoot(what: string): boolean {
  const root = process.getuid?.() === 0;
  if (root) return true;
  if (process.env.CI) throw new Error(`${what}: needs root, and CI must not skip (run .ci/run as root)`);
  process.stderr.write(`SKIP ${what}: not running as root\n`);
  return false;
}

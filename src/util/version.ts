/**
 * lvsd's version, read from the package.json of the installed package (next to dist/, or above the
 * bundle in dist/bundle/); "0.0.0" when none is found.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The package version. */
export function version(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../package.json', '../package.json', '../../../package.json']) {
    try {
      const text = process.getBuiltinModule('node:fs').readFileSync(join(here, rel), 'utf8');
      const pkg = JSON.parse(text) as { name?: string; version?: string };
      if (pkg.name === 'lvsd' && pkg.version) return pkg.version;
    } catch {
      /* try the next layout */
    }
  }
  return '0.0.0';
}

/** Finding the checkout (or installed package) the lab's code runs from. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository checkout this module runs from (src/lab or dist/src/lab). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== '/' && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

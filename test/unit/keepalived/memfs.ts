/** An in-memory SourceFs for importer tests: files by absolute path, globs with `*`, `?` and `{a,b}`. */
import type { SourceFs } from '../../../src/keepalived/source.js';

/** A SourceFs over `files` (absolute path → text). Reading a missing path throws ENOENT like fs. */
export function memFs(files: Readonly<Record<string, string>>): SourceFs {
  return {
    readFile(path) {
      const t = files[path];
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return t;
    },
    glob(pattern) {
      const re = globRegExp(pattern);
      return Object.keys(files)
        .filter((p) => re.test(p))
        .sort();
    },
  };
}

function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',' && out.includes('(?:')) out += '|';
    else out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return { test: (p: string) => p === pattern } as RegExp;
  }
}

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRoot } from '../support/root.js';

// The shipped configs through the real CLI (`lvsd -f FILE --check`, like `nginx -t`): the lab's
// (the same files the UML lab and docker-compose.yml run) and the annotated example.
const FILES = [
  ...readdirSync('conf/lab')
    .filter((f) => f.endsWith('.toml'))
    .map((f) => `conf/lab/${f}`),
  'conf/lvsd.example.toml',
];

describe.skipIf(!hasRoot('host: lvsd --check on the shipped configs'))('shipped configs', () => {
  for (const file of FILES) {
    it(`lvsd -f ${file} --check exits 0 and says it is valid`, () => {
      const r = spawnSync('bin/lvsd', ['-f', file, '--check'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`configuration file ${file} is valid`);
    });
  }

  it('a config with a misspelt key is refused with exit 2, the key path and a suggestion', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-check-'));
    try {
      const file = join(dir, 'bad.toml');
      writeFileSync(file, '[[virtual_server]]\nname = "web"\naddress = "10.99.0.50"\nport = 80\nshceduler = "wrr"\n');
      const r = spawnSync('bin/lvsd', ['-f', file, '--check'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/virtual_server\[0\].*shceduler/);
      expect(r.stdout + r.stderr).toContain('"scheduler"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasRoot } from '../support/root.js';

const UNIT = readFileSync('packaging/lvsd.service', 'utf8');

/** `Key=value` lines of one [Section] of a systemd unit (repeated keys collected in order). */
function section(unit: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inside = false;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inside = line === `[${name}]`;
    else if (inside && line && !line.startsWith('#')) {
      const i = line.indexOf('=');
      out.set(line.slice(0, i), [...(out.get(line.slice(0, i)) ?? []), line.slice(i + 1)]);
    }
  }
  return out;
}

describe.skipIf(!hasRoot('host: systemd unit verification'))('packaging/lvsd.service', () => {
  it("passes systemd-analyze verify (with ExecStart pointing at this checkout's bin/lvsd)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-unit-'));
    try {
      const file = join(dir, 'lvsd.service');
      writeFileSync(file, UNIT.replaceAll('/usr/bin/lvsd', resolve('bin/lvsd')));
      const out = execFileSync('systemd-analyze', ['verify', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs lvsd in the foreground with only CAP_NET_ADMIN and CAP_NET_RAW, reloads with HUP, restarts on failure', () => {
    const s = section(UNIT, 'Service');
    expect(s.get('Type')).toEqual(['simple']);
    expect(s.get('ExecStart')).toEqual(['/usr/bin/lvsd -f /etc/lvsd/lvsd.toml']);
    expect(s.get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(s.get('Restart')).toEqual(['on-failure']);
    for (const k of ['CapabilityBoundingSet', 'AmbientCapabilities'])
      expect(s.get(k)?.[0].split(/\s+/).sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(s.get('RuntimeDirectory')).toEqual(['lvsd']); // /run/lvsd: the default control_socket's directory
    expect(section(UNIT, 'Install').get('WantedBy')).toEqual(['multi-user.target']);
  });
});

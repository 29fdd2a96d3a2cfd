import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasRoot } from '../support/root.js';
import { BACKENDS, CLIENT, LBS, NGINX_CONF, VIP } from '../../src/lab/topology.js';

/** `docker-compose config` (Debian's docker-compose 1.29): validates and prints the resolved file. */
function composeConfig(): string {
  return execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe.skipIf(!hasRoot('host: docker-compose validation'))('docker-compose.yml', () => {
  it('validates with docker-compose config', () => {
    expect(composeConfig()).toContain('services:');
  });

  it('mounts the SAME lvsd configs the UML lab runs (conf/lab/lb1.toml, lb2.toml) and the same nginx config', () => {
    const resolved = composeConfig();
    for (const lb of LBS) {
      const block = resolved.split(/\n  (?=\S)/).find((b) => b.startsWith(`${lb.name}:`)) ?? '';
      expect(block).toContain(`${resolve(lb.conf)}:/etc/lvsd/lvsd.toml:ro`);
      expect(block).toContain(`ipv4_address: ${lb.addr}`);
    }
    expect(resolved.split(resolve(NGINX_CONF)).length - 1).toBe(BACKENDS.length);
  });

  it('has the lab topology: 2 lvsd with NET_ADMIN+NET_RAW (not privileged), 3 nginx backends, a client', () => {
    const resolved = composeConfig();
    expect(resolved).not.toContain('privileged');
    const blocks = resolved.split(/\n  (?=\S)/);
    const block = (n: string): string => blocks.find((b) => b.startsWith(`${n}:`)) ?? '';
    for (const lb of LBS) expect(block(lb.name)).toMatch(/cap_add:\n\s+- NET_ADMIN\n\s+- NET_RAW/);
    for (const b of BACKENDS) expect(block(b.name)).toContain(`ipv4_address: ${b.addr}`);
    expect(block(CLIENT.name)).toContain(`http://${VIP}/`);
    expect(block(CLIENT.name)).toContain(`ipv4_address: ${CLIENT.addr}`);
  });

  it('the Dockerfile: ARG BASE default, non-root user with the two capabilities, HEALTHCHECK on /healthz', () => {
    const df = readFileSync('Dockerfile', 'utf8');
    expect(df).toMatch(/^ARG BASE=node:24-bookworm-slim$/m);
    expect(df).toMatch(/setcap cap_net_admin,cap_net_raw\+ep/);
    expect(df).toMatch(/^USER lvsd$/m);
    expect(df).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });
});

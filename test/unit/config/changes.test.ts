import { describe, expect, it } from 'vitest';
import { bounded, changeText, configChanges } from '../../../src/config/changes.js';
import { diffConfigs } from '../../../src/config/diff.js';
import { config } from '../plan/helpers.js';

const vs = (name: string, port: number, servers: Array<[string, number]>, extra = '') =>
  `[[virtual_server]]\nname = "${name}"\naddress = "10.0.0.1"\nport = ${port}\n${extra}\n` +
  servers.map(([a, w]) => `[[virtual_server.real_server]]\naddress = "${a}"\nport = 80\nweight = ${w}\n`).join('');

describe('configChanges', () => {
  it('names each change once: a reload with 3 changes gives exactly those 3', () => {
    const prev = config(
      vs('web', 80, [
        ['10.0.1.1', 1],
        ['10.0.1.2', 1],
      ]) + vs('api', 8080, [['10.0.1.1', 1]]),
    );
    const next = config(
      vs('web', 80, [['10.0.1.1', 5]]) + // 10.0.1.2 removed, 10.0.1.1's weight changed
        vs('api', 8080, [['10.0.1.1', 1]]) +
        vs('mail', 25, [
          ['10.0.1.3', 1],
          ['10.0.1.4', 1],
        ]), // added, with two servers that are part of it
    );
    const changes = configChanges(prev, next, diffConfigs(prev, next));
    expect(changes.map(changeText)).toEqual([
      '+ virtual_server mail',
      '- real_server web 10.0.1.2:80',
      '~ real_server web 10.0.1.1:80 (weight)',
    ]);
  });

  it('a removed virtual server is one entry; VS fields, VRRP and global keys are named', () => {
    const prev = config(
      `[global]\ndrain_timeout = "10s"\n` + vs('web', 80, [['10.0.1.1', 1]]) + vs('api', 8080, [['10.0.1.1', 1]]),
    );
    const next = config(`[global]\ndrain_timeout = "20s"\n` + vs('web', 80, [['10.0.1.1', 1]], 'scheduler = "rr"'));
    expect(configChanges(prev, next, diffConfigs(prev, next)).map(changeText)).toEqual([
      '- virtual_server api',
      '~ virtual_server web (scheduler)',
      '~ global drain_timeout',
    ]);
  });

  it('bounded keeps the first N and counts the rest', () => {
    expect(bounded([1, 2, 3, 4], 3)).toEqual({ items: [1, 2, 3], more: 1 });
    expect(bounded([1], 3)).toEqual({ items: [1], more: 0 });
  });
});

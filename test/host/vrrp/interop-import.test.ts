/**
 * VRRP on an imported config: one keepalived.conf for a pair (test/fixtures/keepalived/vrrp-pair.conf,
 * `@lb1`/`@lb2` lines, VRRPv2, unicast, PASS), keepalived 2.2.7 running it as one node and lvsd
 * running the `[[vrrp_instance]]` imported for the other (`lvsd import-keepalived -i lb1|lb2`).
 * They form a pair with the expected master (lb1, priority 150), and the backup takes over when the
 * master stops. Contrast: an import that lost the authentication does not pair (both masters).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { importKeepalived } from '../../../src/keepalived/import.js';
import { hasRoot } from '../../support/root.js';
import { Lab, until } from './lab.js';

const CORPUS = resolve('test/fixtures/keepalived/vrrp-pair.conf');

/** The corpus config with the lab's addresses (192.0.2.x → the lab's net; routers are .11 and .12 in both). */
function pairConf(lab: Lab): string {
  const path = join(lab.dir, 'keepalived.conf');
  writeFileSync(path, readFileSync(CORPUS, 'utf8').replaceAll('192.0.2.', `${lab.net}.`));
  return path;
}

/** The imported [[vrrp_instance]] of `configId`, as the lab's lvsd runner takes it. */
function importedInstance(conf: string, configId: string): Record<string, unknown> {
  const files: Record<string, string> = { [conf]: readFileSync(conf, 'utf8') };
  const r = importKeepalived(conf, {
    fs: { readFile: (p) => files[p] ?? readFileSync(p, 'utf8'), glob: (p) => (p in files ? [p] : []) },
    configId,
  });
  if (r.exitCode === 2) throw new Error(r.error);
  const toml = parseToml(r.toml) as { vrrp_instance: Array<Record<string, unknown>> };
  expect(toml.vrrp_instance).toHaveLength(1);
  return toml.vrrp_instance[0]!;
}

/**
 * Starts lvsd on router i with an imported instance: `extra` is the whole imported table; the lab's
 * own fields are lvsd's defaults, so a key the import left out (it equals the default) stays so.
 */
function startImported(lab: Lab, i: number, inst: Record<string, unknown>): void {
  lab.startLvsd(i, { vrid: 60, priority: 100, version: 3, intervalMs: 1000, vips: [], extra: inst });
}

const VIP = (lab: Lab) => `${lab.net}.60`;
/** Master-down interval of 1 s adverts plus process start and polling slack. */
const TAKEOVER_MS = 9000;

describe.skipIf(!hasRoot('host: VRRP pair keepalived ↔ lvsd on an imported config'))(
  'VRRP pair on an imported keepalived.conf',
  () => {
    let lab: Lab | undefined;
    afterEach(() => lab?.close());

    it('lvsd as lb1 (imported -i lb1) is master beside keepalived as lb2; keepalived takes over when lvsd stops', async () => {
      lab = new Lab('kvi1');
      const conf = pairConf(lab);
      const inst = importedInstance(conf, 'lb1');
      expect(inst).toMatchObject({ priority: 150, version: 2, unicast_peers: [`${lab.net}.12`] });
      try {
        lab.startKeepalivedFile(1, conf, ['-i', 'lb2']);
        startImported(lab, 0, inst);
        await until(
          () => lab!.holds(0, VIP(lab!)) && !lab!.holds(1, VIP(lab!)),
          TAKEOVER_MS + 4000,
          'lvsd (lb1) alone holding the VIP',
        );
        await new Promise((r) => setTimeout(r, 4000));
        expect(lab.holders(VIP(lab))).toEqual([0]);
        lab.signal(0, 'SIGTERM');
        await lab.exited(0);
        await until(() => lab!.holds(1, VIP(lab!)), TAKEOVER_MS, 'keepalived (lb2) taking the VIP');
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${lab.dump()}`);
      }
    });

    it('keepalived as lb1 is master beside lvsd as lb2 (imported -i lb2); lvsd takes over when keepalived stops', async () => {
      lab = new Lab('kvi2');
      const conf = pairConf(lab);
      const inst = importedInstance(conf, 'lb2');
      expect(inst).toMatchObject({ version: 2, unicast_peers: [`${lab.net}.11`] });
      expect(inst.priority).toBeUndefined(); // 100, lvsd's default
      try {
        startImported(lab, 1, inst);
        lab.startKeepalivedFile(0, conf, ['-i', 'lb1']);
        await until(
          () => lab!.holds(0, VIP(lab!)) && !lab!.holds(1, VIP(lab!)),
          TAKEOVER_MS + 4000,
          'keepalived (lb1) alone holding the VIP',
        );
        await new Promise((r) => setTimeout(r, 4000));
        expect(lab.holders(VIP(lab))).toEqual([0]);
        lab.signal(0, 'SIGTERM');
        await lab.exited(0);
        await until(() => lab!.holds(1, VIP(lab!)), TAKEOVER_MS, 'lvsd (lb2) taking the VIP');
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${lab.dump()}`);
      }
    });

    it('contrast: an import that lost the authentication does not pair — both hold the VIP', async () => {
      lab = new Lab('kvi3');
      const conf = pairConf(lab);
      const { authentication: _dropped, ...inst } = importedInstance(conf, 'lb1');
      try {
        lab.startKeepalivedFile(1, conf, ['-i', 'lb2']);
        startImported(lab, 0, inst);
        await until(
          () => lab!.holds(0, VIP(lab!)) && lab!.holds(1, VIP(lab!)),
          TAKEOVER_MS + 4000,
          'both routers holding the VIP',
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${lab.dump()}`);
      }
    });
  },
);

/**
 * Kernel tier (UML, real IPVS): for a representative set of the keepalived corpus, keepalived 2.2.7
 * (`-C`: checkers and IPVS only) on the original and lvsd on the imported config, each in its own
 * namespace with the same three live backends, program the same IPVS table (`ipvsadm -S -n`,
 * as sorted lines), `lvsd --plan` against keepalived's table has nothing to do, and when one backend
 * stops both change it the same way (weight 0 with inhibit_on_failure, removed otherwise).
 * Contrast in the same boot: an import with inhibit_on_failure mapped wrongly (on_failure =
 * "remove") runs beside them and its table must differ from keepalived's once the backend is down.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realFs } from '../../src/cli/import-keepalived.js';
import { importKeepalived } from '../../src/keepalived/import.js';
import { hasRoot } from '../support/root.js';
import { repoRoot, runUml, snapshotBuild, type UmlResult } from '../support/uml.js';
import { parseResults } from './daemon-results.js';
import { equivalenceScript, type EquivalenceCase } from './keepalived-scenario.js';

const CORPUS = 'test/fixtures/keepalived';

/** A corpus config imported as the CLI would (config id lb1), and how long its tables must stay equal. */
function imported(name: string, conf: string, holdMs: number): EquivalenceCase {
  const r = importKeepalived(join(repoRoot(), CORPUS, conf), { fs: realFs, configId: 'lb1', env: { KA_SITE: '-dc1' } });
  if (r.exitCode === 2) throw new Error(r.error);
  return { name, conf: `${CORPUS}/${conf}`, toml: r.toml, holdMs };
}

// LVSD_KA_CASES=group,includes runs some cases only (while working on them); CI runs all.
const only = process.env.LVSD_KA_CASES?.split(',');
const cases: EquivalenceCase[] = [
  imported('clean', 'clean.conf', 7000),
  imported('webnat', 'web-nat.conf', 7000),
  imported('inhibit', 'tcp-inhibit.conf', 5000),
  imported('group', 'fwmark-group.conf', 23_000),
  imported('includes', 'includes/keepalived.conf', 11_000),
].filter((c) => !only || only.includes(c.name));
// The contrast: the same import with inhibit_on_failure mapped to "remove".
const inhibit = cases.find((c) => c.name === 'inhibit');
if (inhibit) inhibit.wrong = inhibit.toml.replace(/^scheduler = "rr"$/m, 'scheduler = "rr"\non_failure = "remove"');

/** Which backend-2 entries each case must show once tb2 is down: weight 0 (inhibit) or none. */
const DOWN: Record<string, 'weight0' | 'removed'> = {
  clean: 'weight0',
  webnat: 'removed',
  inhibit: 'weight0',
  group: 'removed',
  includes: 'weight0',
};

describe.skipIf(!hasRoot('kernel: keepalived vs lvsd on the imported config in UML'))(
  'import-keepalived: keepalived and lvsd program the same IPVS table (UML)',
  () => {
    let r: UmlResult;
    let res: Record<string, string>;
    let snap: ReturnType<typeof snapshotBuild>;
    const file = (c: string, name: string) => readFileSync(join(r.outDir, 'w', c, name), 'utf8');

    beforeAll(async () => {
      snap = snapshotBuild();
      r = await runUml({
        name: 'ka-import',
        script: equivalenceScript(cases),
        timeoutMs: 560_000,
        mem: '1024M',
        env: { LVSD_BIN: snap.bin },
      });
      res = parseResults(r);
      // for the record (BENCHMARKS/report): convergence times and whether the raw outputs were identical too
      process.stderr.write(
        `keepalived-import: ${Object.entries(res)
          .filter(([k]) => /_(ms|raw_identical)$/.test(k))
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}\n`,
      );
      if (!r.ok) process.stderr.write(`guest failed: ${r.log.slice(-3000)}\n${r.console.slice(-2000)}\n`);
    });
    afterAll(() => {
      if (process.env.LVSD_KEEP_UML) process.stderr.write(`UML output kept in ${r?.outDir}\n`);
      else r?.cleanup();
      snap?.cleanup();
    });

    it('the guest ran every case to the end', () => {
      expect(r.ok, r.log.slice(-2000)).toBe(true);
      for (const c of cases) expect(res[`${c.name}_down_ms`], c.name).toBeDefined();
    });

    for (const c of cases) {
      it(`${c.conf}: the same table with every backend up, and lvsd --plan finds nothing to do on keepalived's table`, () => {
        expect(
          res[`${c.name}_healthy_equal`],
          file(c.name, 'healthy-ka.txt') + '\n---\n' + file(c.name, 'healthy-lvsd.txt'),
        ).toBe('0');
        const table = file(c.name, 'healthy-ka.sorted');
        const services = table.split('\n').filter((l) => l.startsWith('-A ')).length;
        expect(services).toBe((c.toml.match(/^\[\[virtual_server\]\]$/gm) ?? []).length);
        expect(table).toContain('10.0.2.12');
        // --plan counts every server up before its first probe: in "includes" the UDP server that
        // keepalived (and lvsd) took out after its failed check is the one operation
        const ops = c.name === 'includes' ? 1 : 0;
        expect(file(c.name, 'plan.txt')).toMatch(new RegExp(`: ${ops} operation\\(s\\)`));
        expect(res[`${c.name}_plan_rc`]).toBe('0');
      });

      it(`${c.conf}: backend 2 down → both ${DOWN[c.name] === 'weight0' ? 'set it to weight 0' : 'remove it'}`, () => {
        expect(
          res[`${c.name}_down_equal`],
          file(c.name, 'down-ka.txt') + '\n---\n' + file(c.name, 'down-lvsd.txt'),
        ).toBe('0');
        const lines = file(c.name, 'down-ka.sorted')
          .split('\n')
          .filter((l) => l.includes(' -r 10.0.2.12'));
        if (DOWN[c.name] === 'weight0') {
          expect(lines.length).toBeGreaterThan(0);
          for (const l of lines) expect(l).toMatch(/ -w 0$/);
        } else expect(lines).toEqual([]);
      });
    }

    // registered whenever the inhibit case runs (always in CI)
    if (inhibit)
      it('contrast: the import with inhibit_on_failure mapped to "remove" gives a different table once the backend is down', () => {
        const ka = file('inhibit', 'down-ka.sorted');
        const wrong = file('inhibit', 'down-wrong.sorted');
        expect(ka).toContain('-r 10.0.2.12:80 -m -w 0');
        expect(wrong).not.toContain('10.0.2.12');
        expect(wrong).not.toBe(ka);
        expect(file('inhibit', 'down-lvsd.sorted')).toBe(ka);
      });
  },
);

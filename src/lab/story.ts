/**
 * The lab's story, run as root inside the UML guest after topologySetup() built the namespaces:
 * start the backends, the two lvsd instances and the client loop, then play steps 1-4 and print
 * the summary (step 5). Progress lines go to $LAB_DIR/progress.log (the host tails it), the
 * verdict to $LAB_DIR/summary.json; the exit code is 0 only if every step behaved as expected.
 *
 * Environment: LVSD_ROOT (repo root), LAB_DIR (host-visible dir), LAB_SHORT=1, LAB_KEEP=1.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Progress, runIn, waitFor } from './guest.js';
import { Lab, WEB_KEY } from './lab.js';
import { addService, backendDies, masterDies, spread } from './steps.js';
import { formatSummary, summarize } from './summary.js';
import { BACKENDS, CLIENT, LBS, RUN_DIR, VIP } from './topology.js';

const START_TIMEOUT_MS = 90_000;

/** Starts nginx ×3 and waits until each answers its own name. Returns a problem, or undefined. */
async function startBackends(lab: Lab): Promise<string | undefined> {
  lab.say(`Starting nginx in ${BACKENDS.map((b) => b.name).join(', ')} (each answers with its own name)`);
  for (const b of BACKENDS) lab.startNginx(b.name);
  for (const b of BACKENDS) {
    const ok = await waitFor(
      async () => {
        const r = await runIn(CLIENT.name, 'curl', ['-s', '-m', '1', `http://${b.addr}/`]);
        return r.ok && r.out.trim() === b.name ? true : undefined;
      },
      30_000,
      300,
    );
    if (!ok)
      return `nginx in ${b.name} did not answer "${b.name}" on http://${b.addr}/ (log: /run/lab/${b.name}.nginx.log)`;
  }
  return undefined;
}

/** Starts lvsd on both LBs and waits for the VIP on lb1 and a full table on both. */
async function startBalancers(lab: Lab): Promise<string | undefined> {
  lab.say(`Starting lvsd on lb1 (VRRP priority 150) and lb2 (priority 100) for VIP ${VIP}`);
  for (const lb of LBS) lab.startLvsd(lb.name);
  const full = async (ns: string): Promise<boolean> => {
    const web = (await lab.view(ns))?.find((s) => s.key === WEB_KEY);
    return !!web && web.dests.length === BACKENDS.length && web.dests.every((d) => d.weight > 0);
  };
  const t0 = Date.now();
  const dead = (): string | undefined => LBS.map((lb) => lb.name).find((n) => lab.lvsd.get(n)?.exitCode !== null);
  const ready = await waitFor(
    async () => {
      if (dead()) return false;
      return (await lab.hasVip('lb1')) && (await full('lb1')) && (await full('lb2')) ? true : undefined;
    },
    START_TIMEOUT_MS,
    300,
  );
  if (!ready) {
    const tails = LBS.flatMap((lb) => [
      `--- last lines of ${lb.name}'s lvsd log (${lab.logPath(lb.name)}):`,
      ...lab.logTail(lb.name),
    ]);
    const why = dead()
      ? `lvsd on ${dead()} exited`
      : `lvsd did not bring up the VIP on lb1 and ${WEB_KEY} with ${BACKENDS.length} live backends on both LBs within ${START_TIMEOUT_MS / 1000} s`;
    return [why, ...tails].join('\n');
  }
  lab.say(
    `   lb1 holds the VIP; both LBs show ${WEB_KEY} with 3 backends (ready after ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return undefined;
}

async function play(lab: Lab): Promise<string | undefined> {
  const problem = (await startBackends(lab)) ?? (await startBalancers(lab));
  if (problem) return problem;
  lab.say(`Starting the client loop in namespace "${CLIENT.name}": GET http://${VIP}/ one connection per request`);
  lab.startClient([`http://${VIP}/`]);
  const answering = await waitFor(
    async () => (lab.report().sent - lab.report().failed > 0 ? true : undefined),
    30_000,
    200,
  );
  if (!answering)
    return `the client loop got no answer through the VIP within 30 s (log: /run/lab/client.log; last error: ${lab.report().lastError ?? 'none'})`;
  await spread(lab);
  await backendDies(lab);
  await masterDies(lab);
  await addService(lab);
  return undefined;
}

/** Copies the guest's logs (lvsd, nginx, client; they live on the guest's tmpfs) to `dir`/logs. */
function keepLogs(dir: string): void {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  for (const f of readdirSync(RUN_DIR).filter((n) => n.endsWith('.log') || n.endsWith('.toml')))
    copyFileSync(join(RUN_DIR, f), join(dir, 'logs', f));
}

async function main(): Promise<number> {
  const root = process.env.LVSD_ROOT;
  const dir = process.env.LAB_DIR;
  if (!root || !dir) throw new Error('story.js runs inside the lab guest: LVSD_ROOT and LAB_DIR must be set');
  const lab = new Lab(root, process.env.LAB_SHORT === '1', new Progress(join(dir, 'progress.log')));
  let aborted: string | undefined;
  try {
    aborted = await play(lab);
  } catch (e) {
    aborted = `the story crashed: ${(e as Error).stack ?? String(e)}`;
  }
  lab.client?.send('quit');
  lab.say('5. Summary');
  const summary = summarize(lab.steps, lab.report(), lab.timings, aborted);
  for (const line of formatSummary(summary)) lab.say(line);
  keepLogs(dir);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (process.env.LAB_KEEP !== '1') lab.stopAll();
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab story: ${(e as Error).message}\n`);
    process.exit(1);
  },
);

/**
 * The lab's story, step by step. Each step says what it does in one line, shows the running
 * counts while it waits, and records checks (what was expected, what was seen) into the Lab.
 */
import { appendFileSync } from 'node:fs';
import { killGroup, run, sleep, waitFor } from './guest.js';
import { backendAddr, Lab, WEB_KEY } from './lab.js';
import { weightOf, type ViewService } from './ipvsadm-view.js';
import type { Failure } from './client.js';
import type { Check } from './summary.js';
import { ADDED_PORT, BACKENDS, VIP } from './topology.js';

const KILLED = 'be2';
/** fall × interval + timeout of the lab's check (conf/lab): 2 × 500 ms + 400 ms. */
const DETECT_BOUND_MS = 1400;
/** Extra time allowed inside UML, where every system call is slow. */
const UML_SLACK_MS = 3600;
const FULL_WEIGHT = 100;
/** How long a traffic check waits for enough requests before it fails. */
const TRAFFIC_WAIT_MS = 30_000;
/** Answers the restarted backend must give to count as back in rotation (each is a new connection). */
const BACK_ANSWERS = 3;

/** Returns a function printing the running counts at most once per second. */
function ticker(lab: Lab): () => void {
  let last = Date.now();
  return () => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    lab.counts();
  };
}

/** Waits `ms` while printing the running counts every second. */
async function watch(lab: Lab, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(Math.min(1000, end - Date.now()));
    lab.counts();
  }
}

/**
 * Waits at least `minMs` (printing the counts every second), then until `done()` holds or `maxMs`
 * has passed in all; resolves with `done()`. The client loop runs inside the guest, where a loaded
 * host can slow it to a few requests per second: a check on the traffic waits for enough of it
 * instead of judging a fixed window.
 */
async function watchUntil(lab: Lab, done: () => boolean, minMs: number, maxMs = TRAFFIC_WAIT_MS): Promise<boolean> {
  const start = Date.now();
  await watch(lab, minMs);
  const tick = ticker(lab);
  while (!done() && Date.now() - start < maxMs) {
    await sleep(200);
    tick();
  }
  return done();
}

/**
 * The failed requests that started at or after `since` (epoch ms). Judged by when each request
 * started, not by the running count, so a failure of an earlier request that the client reports
 * late (it reports every 250 ms, and a loaded guest may not run it for a while) is not counted.
 */
function failedSince(lab: Lab, since: number): Failure[] {
  return lab.report().failures.filter((f) => f.at >= since);
}

function failedDetail(failures: Failure[]): string {
  return failures.length ? `${failures.length} failed, the first: ${failures[0].error}` : '0 failed';
}

/** Answers per backend label since `before` (a copy of an earlier byBackend). */
function delta(lab: Lab, before: Record<string, number>, label: string): number {
  return (lab.report().byBackend[label] ?? 0) - (before[label] ?? 0);
}

function record(lab: Lab, step: number, title: string, checks: Check[]): void {
  lab.steps.push({ step, title, checks });
}

/** Step 1: traffic spreads over the three backends, nothing fails, the VIP is on lb1 only. */
export async function spread(lab: Lab): Promise<void> {
  lab.say('1. Traffic through the VIP spreads over the 3 backends');
  const before = { ...lab.report().byBackend };
  const t0 = Date.now();
  await watchUntil(lab, () => BACKENDS.every((b) => delta(lab, before, b.name) > 0), lab.short ? 3000 : 6000);
  const checks: Check[] = BACKENDS.map((b) => ({
    what: `${b.name} answers`,
    ok: delta(lab, before, b.name) > 0,
    detail: `${delta(lab, before, b.name)} answers`,
  }));
  checks.push({
    what: 'no failed requests',
    ok: failedSince(lab, t0).length === 0,
    detail: failedDetail(failedSince(lab, t0)),
  });
  checks.push({ what: 'VIP held by lb1 only', ok: (await lab.hasVip('lb1')) && !(await lab.hasVip('lb2')) });
  record(lab, 1, 'traffic spreads over 3 backends', checks);
}

/** Step 2: a backend dies, leaves the rotation, comes back, and ramps up with slow start. */
export async function backendDies(lab: Lab): Promise<void> {
  const dest = backendAddr(KILLED);
  lab.say(`2. Killing nginx on ${KILLED} (kill -9): lvsd's health check should take it out of the rotation`);
  const t0 = Date.now();
  lab.killNginx(KILLED);
  const out = await waitFor(
    async () => (isOut(await lab.view('lb1'), dest) ? Date.now() - t0 : undefined),
    20_000,
    100,
    ticker(lab),
  );
  if (out !== undefined) lab.timings.backendOutMs = out;
  else lab.explain('lb1').forEach((l) => lab.say(l));
  lab.say(
    out === undefined
      ? `   ${KILLED} is still in the rotation after 20 s`
      : `   ${KILLED} left the rotation after ${(out / 1000).toFixed(2)} s (weight 0 in ipvsadm -Ln on lb1)`,
  );
  // Requests that started once the weight was 0 must all be answered, by the others.
  const outAt = t0 + (out ?? 0);
  const before = { ...lab.report().byBackend };
  const others = (): number => BACKENDS.reduce((n, b) => n + (b.name === KILLED ? 0 : delta(lab, before, b.name)), 0);
  await watchUntil(lab, () => others() >= BACK_ANSWERS, lab.short ? 2500 : 4000);
  const failedOut = failedSince(lab, outAt);
  const checks: Check[] = [
    {
      what: `${KILLED} out of rotation within fall×interval+timeout (${DETECT_BOUND_MS} ms) + ${UML_SLACK_MS} ms UML slack`,
      ok: out !== undefined && out <= DETECT_BOUND_MS + UML_SLACK_MS,
      detail: out === undefined ? 'never' : `${out} ms`,
    },
    {
      what: `no failed requests once ${KILLED} is out (traffic goes to the others)`,
      ok: out !== undefined && failedOut.length === 0 && others() >= BACK_ANSWERS,
      detail: `${failedDetail(failedOut)}, ${others()} answers from the others`,
    },
  ];
  checks.push(...(await comesBack(lab, dest)));
  record(lab, 2, 'a backend dies, leaves the rotation, returns with slow start', checks);
}

function isOut(view: ViewService[] | undefined, dest: string): boolean {
  if (!view || !view.some((s) => s.key === WEB_KEY)) return false;
  const w = weightOf(view, WEB_KEY, dest);
  return w === undefined || w === 0;
}

async function comesBack(lab: Lab, dest: string): Promise<Check[]> {
  lab.say(`   Restarting nginx on ${KILLED}: it should return with slow start (weight ramping up to ${FULL_WEIGHT})`);
  const t1 = Date.now();
  lab.startNginx(KILLED);
  const seen: number[] = [];
  const tick = ticker(lab);
  const full = await waitFor(
    async () => {
      const w = weightOf((await lab.view('lb1')) ?? [], WEB_KEY, dest) ?? 0;
      if (w > 0 && seen[seen.length - 1] !== w) seen.push(w);
      if (w > 0 && lab.timings.backendBackMs === undefined) lab.timings.backendBackMs = Date.now() - t1;
      return w >= FULL_WEIGHT ? Date.now() - t1 : undefined;
    },
    45_000,
    200,
    tick,
  );
  if (full !== undefined && lab.timings.backendBackMs !== undefined)
    lab.timings.slowStartMs = full - lab.timings.backendBackMs;
  lab.say(`   ${KILLED} weights seen in ipvsadm -Ln: ${seen.join(' → ') || 'none'}`);
  const before = { ...lab.report().byBackend };
  const sent0 = lab.report().sent;
  const t2 = Date.now();
  await watchUntil(lab, () => delta(lab, before, KILLED) >= BACK_ANSWERS, lab.short ? 1500 : 3000);
  const answers = delta(lab, before, KILLED);
  return [
    {
      what: `${KILLED} back in rotation`,
      ok: lab.timings.backendBackMs !== undefined,
      detail: seen.length ? `first weight ${seen[0]}` : 'never',
    },
    {
      what: 'slow start: weight ramped through intermediate values to full',
      ok: full !== undefined && seen.some((w) => w > 0 && w < FULL_WEIGHT),
      detail: seen.join('→'),
    },
    {
      what: `${KILLED} answers again (${BACK_ANSWERS} answers within ${TRAFFIC_WAIT_MS / 1000} s)`,
      ok: answers >= BACK_ANSWERS,
      detail: `${answers} answers of ${lab.report().sent - sent0} requests in ${((Date.now() - t2) / 1000).toFixed(1)} s`,
    },
  ];
}

/** Step 3: the master LB "loses power"; VRRP moves the VIP to lb2 and traffic continues. */
export async function masterDies(lab: Lab): Promise<void> {
  lab.say('3. lb1 (VRRP master) loses power: its link goes down and its lvsd is killed -9');
  lab.client?.send('mark');
  const t0 = Date.now();
  await run('ip', ['-n', 'lb1', 'link', 'set', 'eth0', 'down']);
  const p = lab.lvsd.get('lb1');
  if (p) killGroup(p, 'SIGKILL');
  const moved = await waitFor(
    async () => ((await lab.hasVip('lb2')) ? Date.now() - t0 : undefined),
    20_000,
    100,
    ticker(lab),
  );
  if (moved !== undefined) lab.timings.vipMoveMs = moved;
  const master = lab.masterAt('lb2', t0);
  if (master !== undefined) lab.timings.vrrpMasterMs = master - t0;
  lab.say(
    moved === undefined
      ? '   the VIP did not move to lb2 within 20 s'
      : `   VIP ${VIP} seen on lb2 after ${(moved / 1000).toFixed(2)} s (lb2's lvsd logged BACKUP -> MASTER after ${master === undefined ? '?' : ((master - t0) / 1000).toFixed(2)} s)`,
  );
  if (moved === undefined) lab.explain('lb2').forEach((l) => lab.say(l));
  const ok0 = okCount(lab);
  const resumed = await waitFor(async () => (okCount(lab) - ok0 >= 5 ? true : undefined), 15_000, 100, ticker(lab));
  await watch(lab, lab.short ? 1500 : 3000);
  if (resumed) lab.timings.trafficGapMs = lab.report().maxGapMs;
  const conns = connsOn((await lab.view('lb2')) ?? []);
  record(lab, 3, 'the master LB dies, the VIP moves, traffic continues', [
    {
      what: 'VIP moved to lb2 within 10 s',
      ok: moved !== undefined && moved <= 10_000,
      detail: moved === undefined ? 'never' : `${moved} ms`,
    },
    {
      what: 'traffic continues through lb2',
      ok: resumed === true && conns > 0,
      detail: `${okCount(lab) - ok0} answers since, ${conns} connections in lb2's IPVS table`,
    },
  ]);
}

const okCount = (lab: Lab): number => lab.report().sent - lab.report().failed;

function connsOn(view: ViewService[]): number {
  return (view.find((s) => s.key === WEB_KEY)?.dests ?? []).reduce((n, d) => n + d.active + d.inactive, 0);
}

/** The virtual server step 4 appends to lb2's config before sending SIGHUP. */
export function addedService(): string {
  const rs = BACKENDS.map(
    (b) => `\n  [[virtual_server.real_server]]\n  address = "${b.addr}"\n  port = ${ADDED_PORT}\n  weight = 100\n`,
  ).join('');
  return `\n# added by the lab's story (step 4), then SIGHUP\n[[virtual_server]]\nname = "web-${ADDED_PORT}"\naddress = "${VIP}"\nport = ${ADDED_PORT}\nprotocol = "tcp"\nscheduler = "rr"\nforwarding = "dr"\n\n  [virtual_server.check]\n  type = "http"\n  path = "/healthz"\n  interval = "500ms"\n  timeout = "400ms"\n  rise = 1\n  fall = 2\n${rs}`;
}

/** Step 4: a service is added by editing the config and sending SIGHUP; the old one is untouched. */
export async function addService(lab: Lab): Promise<void> {
  const key = `TCP ${VIP}:${ADDED_PORT}`;
  lab.say(`4. Adding service ${VIP}:${ADDED_PORT} to lb2's config and sending SIGHUP`);
  appendFileSync(lab.configPath('lb2'), addedService());
  const t0 = Date.now();
  const p = lab.lvsd.get('lb2');
  if (p?.pid) process.kill(p.pid, 'SIGHUP');
  const live = (v: ViewService[] | undefined): boolean =>
    (v?.find((s) => s.key === key)?.dests ?? []).filter((d) => d.weight > 0).length === BACKENDS.length;
  const ms = await waitFor(
    async () => (live(await lab.view('lb2')) ? Date.now() - t0 : undefined),
    20_000,
    100,
    ticker(lab),
  );
  if (ms !== undefined) lab.timings.reloadMs = ms;
  lab.say(
    ms === undefined
      ? `   ${key} did not appear with live backends within 20 s`
      : `   ${key} is live in IPVS after ${(ms / 1000).toFixed(2)} s; the client now also requests it`,
  );
  if (ms === undefined) lab.explain('lb2').forEach((l) => lab.say(l));
  lab.client?.send(`add http://${VIP}:${ADDED_PORT}/`);
  const before = { ...lab.report().byBackend };
  const t1 = Date.now();
  const added = (b: { name: string }): boolean => delta(lab, before, `${b.name}:${ADDED_PORT}`) > 0;
  await watchUntil(lab, () => BACKENDS.every(added), lab.short ? 2500 : 5000);
  const web = (await lab.view('lb2'))?.find((s) => s.key === WEB_KEY);
  const checks: Check[] = [
    {
      what: `${key} in lb2's IPVS table with ${BACKENDS.length} live backends after SIGHUP`,
      ok: ms !== undefined,
      detail: ms === undefined ? 'never' : `${ms} ms`,
    },
    {
      what: `the port 80 service kept its backends at full weight`,
      ok: !!web && web.dests.length === BACKENDS.length && web.dests.every((d) => d.weight === FULL_WEIGHT),
    },
    {
      what: `requests to :${ADDED_PORT} answered by every backend, none failed`,
      ok: BACKENDS.every(added) && failedSince(lab, t1).length === 0,
      detail: failedDetail(failedSince(lab, t1)),
    },
  ];
  record(lab, 4, 'a service is added by editing the config and sending SIGHUP', checks);
}

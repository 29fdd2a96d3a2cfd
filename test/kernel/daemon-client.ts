/**
 * The traffic client the daemon's kernel tests run inside the UML guest's client namespace (one
 * node process per phase: node starts slowly in UML). Written to $OUT/client.mjs by the scenario.
 *   node client.mjs burst N PORT                 N HTTP GETs to VIP:80 (new connection each) and N DNS
 *                                               queries to VIP:53, each from its own socket bound to
 *                                               source port PORT+i; prints JSON counts by backend.
 *                                               Distinct source ports matter for UDP: IPVS keeps a UDP
 *                                               "connection" per client address and port for 300 s, so
 *                                               a query whose port repeats goes to the backend of the
 *                                               earlier one without a scheduling step. With kernel-
 *                                               chosen ports that happens in ~1.5% of 30-query bursts
 *                                               (30 random ports out of ~28,000) and turns rr's
 *                                               10/10/10 into 9/11/10; PORT+i never repeats.
 *   node client.mjs loop STOP OUT LONGPORT LONGBACKEND PORT...
 *                                               GETs to each PORT in turn every 20 ms until file STOP
 *                                               exists; meanwhile holds ONE keep-alive connection on
 *                                               LONGPORT that landed on LONGBACKEND and sends a request
 *                                               on it every second (an established connection that must
 *                                               survive reloads / restarts). Writes JSON to OUT; writes
 *                                               OUT.ready once the long connection is established.
 */
export const CLIENT_JS = String.raw`
import http from 'node:http';
import dgram from 'node:dgram';
import fs from 'node:fs';
const VIP = '10.0.1.100';
const get = (port, agent) => new Promise((res) => {
  const req = http.get({ host: VIP, port, path: '/', agent: agent ?? false, timeout: 2000 }, (r) => {
    let b = ''; r.setEncoding('utf8'); r.on('data', (c) => (b += c));
    r.on('end', () => res({ ok: r.statusCode === 200, body: b.trim(), reused: req.reusedSocket }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => res({ ok: false, body: 'ERR ' + e.code + ' ' + e.message }));
});
function dnsQuery(id, port) {
  const name = Buffer.from([1, 120, 4, 116, 101, 115, 116, 0]); // x.test
  const q = Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 1, 0, 1])]);
  return new Promise((res) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), res('timeout')), 2000);
    s.on('message', (m) => { clearTimeout(t); s.close(); res(m.length >= 4 ? m.subarray(m.length - 4).join('.') : 'short'); });
    s.bind(port, () => s.send(q, 53, VIP));
  });
}
async function burst(n, port0) {
  const httpCount = {}, dnsCount = {};
  for (let i = 0; i < n; i++) { const r = await get(80); const k = r.ok ? r.body : 'fail'; httpCount[k] = (httpCount[k] ?? 0) + 1; }
  for (let i = 0; i < n; i++) { const a = await dnsQuery(i + 1, port0 + i); dnsCount[a] = (dnsCount[a] ?? 0) + 1; }
  console.log(JSON.stringify({ http: httpCount, dns: dnsCount }));
}
async function loop(stop, out, longPort, longBackend, ports) {
  const stats = {}; for (const p of ports) stats[p] = { ok: 0, fail: 0, errors: [] };
  const long = { backend: null, requests: 0, failures: 0, notReused: 0, errors: [] };
  let agent;
  for (let i = 0; i < 60 && !long.backend; i++) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const r = await get(longPort, agent);
    if (r.ok && r.body === longBackend) long.backend = r.body; else agent.destroy();
  }
  fs.writeFileSync(out + '.ready', String(long.backend));
  let nextLong = Date.now() + 1000;
  while (!fs.existsSync(stop)) {
    for (const p of ports) {
      const r = await get(p);
      if (r.ok) stats[p].ok++; else { stats[p].fail++; if (stats[p].errors.length < 10) stats[p].errors.push(new Date().toISOString() + ' ' + r.body); }
    }
    if (long.backend && Date.now() >= nextLong) {
      nextLong = Date.now() + 1000;
      const r = await get(longPort, agent);
      long.requests++;
      if (!r.ok || r.body !== long.backend) { long.failures++; long.errors.push(new Date().toISOString() + ' ' + r.body); }
      if (!r.reused) long.notReused++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  fs.writeFileSync(out, JSON.stringify({ ports: stats, long }));
  agent?.destroy();
}
const [mode, ...a] = process.argv.slice(2);
if (mode === 'burst') await burst(Number(a[0]), Number(a[1]));
else await loop(a[0], a[1], Number(a[2]), a[3], a.slice(4).map(Number));
`;

/**
 * A stall recorder the scenario runs beside lvsd in the guest (node stall.mjs OUT): a 50 ms timer
 * that appends "now lateMs" to OUT whenever it fired more than 2 ms late, i.e. when the guest (or
 * this process) could not run for that long. On a loaded host a UML guest stops for whole stretches
 * at a time; a timing bound on lvsd then adds the stall that overlaps its window (stalledMs in
 * daemon-results.ts).
 */
export const STALL_JS = String.raw`
import fs from 'node:fs';
const out = process.argv[2];
let last = Date.now();
setInterval(() => {
  const now = Date.now(), late = now - last - 50;
  if (late > 2) fs.appendFileSync(out, now + ' ' + late + '\n');
  last = now;
}, 50);
`;

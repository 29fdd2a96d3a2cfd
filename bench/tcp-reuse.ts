/**
 * The tcp checker's connector alone: CPU per connect-only probe with a socket per connection (the
 * reference path) and with reused sockets (connect(AF_UNSPEC), native/tcp-connect.ts), interleaved in
 * one run. Each client runs N probes, W in flight, against one listener in a private network namespace
 * (bench/scale-listener.ts: the kernel completes every handshake, no user-space server per probe), and
 * reports the CPU it used per probe (utime + stime: on loopback the kernel runs both ends of each
 * handshake inside the client's calls) and its rate. Prints reused / per-connection ratios.
 *   node dist/bench/tcp-reuse.js [N=200000] [W=64] [ROUNDS=3]
 */
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

interface Result {
  idle: number;
  n: number;
  ms: number;
  usPerProbe: number;
  failed: number;
}

/** The client: N probes, W at once, through one TcpConnector with `idle` idle sockets. */
async function client(idle: number, n: number, w: number, port: number): Promise<void> {
  const { TcpConnector, tcpEndpoints } = await import('../native/tcp-connect.js');
  const conn = new TcpConnector({ idleSockets: idle });
  const ep = tcpEndpoints('127.0.0.1', port);
  let started = 0;
  let done = 0;
  let failed = 0;
  const keep = setInterval(() => undefined, 1000); // the connector's epoll watch does not hold the loop open
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (started >= n) return;
      started++;
      let id = -1;
      const settle = (ok: boolean) => {
        if (!ok) failed++;
        if (++done === n) resolve();
        else next();
      };
      id = conn.open(
        ep,
        {
          connected: () => (conn.close(id, true), settle(true)),
          data: () => undefined,
          end: () => settle(false),
          failed: () => settle(false),
        },
        false,
      );
    };
    for (let i = 0; i < w; i++) next();
  });
  const c = process.cpuUsage(c0);
  clearInterval(keep);
  const r: Result = { idle, n, ms: performance.now() - t0, usPerProbe: (c.user + c.system) / n, failed };
  process.stdout.write(`${JSON.stringify(r)}\n`);
  conn.shutdown();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--client') return client(Number(args[1]), Number(args[2]), Number(args[3]), Number(args[4]));
  const [N = 200_000, W = 64, ROUNDS = 3] = args.map(Number);
  const ns = `lvsd-tcpreuse-${process.pid}`;
  const port = 8080;
  execFileSync('ip', ['netns', 'add', ns]);
  const listener = spawn('ip', ['netns', 'exec', ns, process.execPath, join(here, 'scale-listener.js'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await new Promise<void>((r) => listener.stdout!.on('data', (b: Buffer) => b.includes('listening') && r()));
    // the listener turns TCP_DEFER_ACCEPT on at its first connection
    execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    const runs: Result[] = [];
    process.stdout.write(`# ${N} connect-only probes, ${W} in flight, per client; ${ROUNDS} rounds interleaved\n`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const idle of [0, 1024]) {
        const out = execFileSync(
          'ip',
          [
            'netns',
            'exec',
            ns,
            process.execPath,
            fileURLToPath(import.meta.url),
            '--client',
            String(idle),
            String(N),
            String(W),
            String(port),
          ],
          { encoding: 'utf8' },
        );
        const r = JSON.parse(out.trim().split('\n').pop()!) as Result;
        runs.push(r);
        const how = idle ? 'reused sockets     ' : 'socket per probe   ';
        process.stdout.write(
          `${how} ${r.usPerProbe.toFixed(2)} µs CPU/probe, ${Math.round((r.n / r.ms) * 1000)} probes/s, failed ${r.failed}\n`,
        );
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const per = median(runs.filter((r) => !r.idle).map((r) => r.usPerProbe));
    const reused = median(runs.filter((r) => r.idle).map((r) => r.usPerProbe));
    process.stdout.write(
      `median CPU per probe: reused ${reused.toFixed(2)} µs / per-connection ${per.toFixed(2)} µs = ${(reused / per).toFixed(2)}\n`,
    );
  } finally {
    listener.kill('SIGTERM');
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

await main();

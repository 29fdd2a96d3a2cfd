/** nginx (Debian) for the HTTP benchmarks: one worker in a network namespace, no keep-alive, no logs. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Starts nginx in `ns` on *:port with `location = /h` answering 200 "ok\n" (as bench/health-host.ts),
 * and the same over TLS on *:tlsPort with a self-signed certificate for "web.test" (written to
 * `dir`/web.test.crt, the CA file for https probes). Resolves once it accepts connections (throws
 * after 5 s). The caller kills every process in `ns` (a killed master leaves its worker running).
 */
export async function startBenchNginx(ns: string, dir: string, port: number, tlsPort: number): Promise<ChildProcess> {
  const conf = join(dir, 'nginx.conf');
  const [crt, key] = [join(dir, 'web.test.crt'), join(dir, 'web.test.key')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-days',
      '2',
      '-subj',
      '/CN=web.test',
      '-addext',
      'subjectAltName=DNS:web.test',
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(
    conf,
    `user root root; worker_processes 1; worker_rlimit_nofile 20000; error_log stderr error;
     events { worker_connections 16000; multi_accept on; }
     http { access_log off; keepalive_timeout 0; client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px;
            fastcgi_temp_path ${dir}/fc; uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
            server { listen ${port} backlog=4096; location = /h { return 200 "ok\\n"; } }
            server { listen ${tlsPort} ssl backlog=4096; ssl_certificate ${crt}; ssl_certificate_key ${key}; location = /h { return 200 "ok\\n"; } } }`,
  );
  const p = spawn(
    'ip',
    ['netns', 'exec', ns, 'nginx', '-p', dir, '-c', conf, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid;`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], {
        stdio: 'ignore',
      });
      return p;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  p.kill('SIGKILL');
  throw new Error(`nginx did not accept connections on port ${port} in netns ${ns} within 5 s`);
}

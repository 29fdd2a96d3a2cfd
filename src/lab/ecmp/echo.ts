/**
 * The ECMP lab's backend: a TCP server on port 80 that answers every line with "NAME LINE", so a
 * long-lived connection shows on every message which backend carries it.
 *
 * Usage (inside a backend namespace): node dist/src/lab/ecmp/echo.js NAME [PORT]
 */
import { createServer } from 'node:net';

/** The answer to one line: the backend's name and the line. */
export function echoLine(name: string, line: string): string {
  return `${name} ${line}\n`;
}

function main(name: string, port: number): void {
  const server = createServer((sock) => {
    sock.setNoDelay(true);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        sock.write(echoLine(name, buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    sock.on('error', () => sock.destroy());
  });
  server.listen(port, () => process.stdout.write(`${name} listening on ${port}\n`));
}

if (process.argv[1]?.endsWith('/ecmp/echo.js')) main(process.argv[2] ?? 'backend', Number(process.argv[3] ?? 80));

/**
 * Host side of the lab's only channel to the guest: files in a host directory the guest also
 * sees (UML's hostfs root is the host's /). The guest appends progress lines (tailed here) and,
 * with --keep, runs the commands the host drops into cmd/ inside the client namespace.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Follows `file` (which may not exist yet), calling `onText` with each new chunk; stop() flushes. */
export function tailFile(file: string, onText: (text: string) => void, everyMs = 200): { stop(): void } {
  let offset = 0;
  const poll = (): void => {
    if (!existsSync(file)) return;
    const buf = readFileSync(file);
    if (buf.length > offset) {
      onText(buf.subarray(offset).toString('utf8'));
      offset = buf.length;
    }
  };
  const timer = setInterval(poll, everyMs);
  return {
    stop(): void {
      clearInterval(timer);
      poll();
    },
  };
}

/**
 * Kills the UML guest of this process whose umid starts with `umidPrefix` (runUml names guests
 * `lvsd-<tag>-<pid>-<n>` and starts them in their own process group). Returns how many
 * processes were signalled. Only processes whose command line carries that umid are touched.
 */
export function killGuests(umidPrefix: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (!cmd.split('\0').some((a) => a.startsWith(`umid=${umidPrefix}`))) continue;
    for (const target of [-Number(pid), Number(pid)]) {
      try {
        process.kill(target, 'SIGKILL');
        n++;
      } catch {
        /* not a group leader, or already gone */
      }
    }
  }
  return n;
}

/** Shell (guest side, --keep) relaying commands from `$LAB_DIR/cmd` into the client namespace. */
export function relayScript(): string {
  return `mkdir -p "$LAB_DIR/cmd"; export PATH="$LVSD_ROOT/bin:$PATH" LVSD_SOCKET=/run/lvsd/lb2.sock
touch "$LAB_DIR/cmd/ready"
while [ ! -e "$LAB_DIR/cmd/quit" ]; do
  for f in "$LAB_DIR"/cmd/*.sh; do
    [ -e "$f" ] || continue
    ip netns exec client sh "$f" > "\${f%.sh}.out" 2>&1; echo $? > "\${f%.sh}.rc"; rm -f "$f"
  done
  sleep 0.2
done`;
}

/**
 * Host side of --keep: reads command lines from the terminal, runs each in the guest's client
 * namespace through `dir/cmd`, prints its output. Resolves when the user types exit or EOF.
 */
export async function relayShell(dir: string, banner: string[]): Promise<void> {
  const cmdDir = join(dir, 'cmd');
  mkdirSync(cmdDir, { recursive: true });
  for (const l of banner) process.stdout.write(l + '\n');
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'lab:client# ' });
  rl.on('SIGINT', () => rl.close()); // Ctrl-C at the prompt ends the lab like "exit"
  let n = 0;
  rl.prompt();
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'exit' || cmd === 'quit') break;
    if (cmd) process.stdout.write(await runRemote(cmdDir, ++n, cmd));
    rl.prompt();
  }
  rl.close();
  writeFileSync(join(cmdDir, 'quit'), '');
}

async function runRemote(cmdDir: string, n: number, cmd: string): Promise<string> {
  const base = join(cmdDir, `c${n}`);
  writeFileSync(`${base}.tmp`, cmd + '\n');
  renameSync(`${base}.tmp`, `${base}.sh`); // atomic: the guest only picks up complete *.sh files
  while (!existsSync(`${base}.rc`)) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 50));
  const rc = readFileSync(`${base}.rc`, 'utf8').trim();
  const out = existsSync(`${base}.out`) ? readFileSync(`${base}.out`, 'utf8') : '';
  return rc === '0' ? out : `${out}(exit ${rc})\n`;
}

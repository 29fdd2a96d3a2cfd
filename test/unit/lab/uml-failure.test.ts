/**
 * The one-line explanation of a guest that did not run its script (src/lab/uml-failure.ts), on
 * console text captured from real guests: uml-console-xstate-efault.txt is Debian's linux.uml 6.1
 * booted under test/support/native/amx-host.c without the shim (the panic of CPUs with AMX),
 * uml-console-no-init.txt the same kernel given an init that does not exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootFailure, type BootFacts } from '../../../src/lab/uml-failure.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const facts = (over: Partial<BootFacts>): BootFacts => ({
  console: '',
  scriptStarted: false,
  scriptEnded: false,
  timedOut: false,
  timeoutMs: 120_000,
  shim: { library: '/repo/.cache/uml/xstate-shim-0123456789ab.so' },
  ...over,
});

const oneLine = (s: string | undefined): string => {
  expect(s).toBeDefined();
  expect(s).not.toContain('\n');
  return s!;
};

describe('bootFailure', () => {
  const efault = fixture('uml-console-xstate-efault.txt');

  it('names the FPU-state ptrace failure of AMX hosts and the missing shim, with what to do', () => {
    const line = oneLine(bootFailure(facts({ console: efault, shim: { problem: 'gcc is not installed: ...' } })));
    expect(line).toContain("refused UML's ptrace set of the FPU state (errno 14)");
    expect(line).toContain('AMX');
    expect(line).toContain('the ptrace shim that fixes this was not loaded (gcc is not installed: ...)');
    expect(line).toContain('run .ci/setup or ./lab/run as root');
    expect(line).not.toContain('Call Trace');
  });

  it('says when the same failure happens with the shim loaded (something new: report it)', () => {
    const line = oneLine(bootFailure(facts({ console: efault })));
    expect(line).toContain('although the ptrace shim /repo/.cache/uml/xstate-shim-0123456789ab.so was loaded');
    expect(line).toContain('report it');
  });

  it('the ptrace cause wins over the generic panic line that follows it', () => {
    expect(efault).toContain('Kernel panic - not syncing: Attempted to kill init!');
    expect(bootFailure(facts({ console: efault }))).not.toContain('Attempted to kill init');
  });

  it('an init the kernel cannot execute: missing file, or a noexec directory', () => {
    const missing = oneLine(bootFailure(facts({ console: fixture('uml-console-no-init.txt') })));
    expect(missing).toMatch(/could not execute its init script \/tmp\/i11exp\/nonexistent-init \(error -2\)/);
    expect(missing).toContain('must exist on the host');
    const noexec = oneLine(
      bootFailure(facts({ console: 'Kernel panic - not syncing: Requested init /tmp/x/init.sh failed (error -13).' })),
    );
    expect(noexec).toContain('noexec');
  });

  it('IPVS that did not load, as init reported it', () => {
    const line = oneLine(
      bootFailure(
        facts({ scriptStarted: false, initProblem: 'modprobe ip_vs: modprobe: FATAL: Module ip_vs not found' }),
      ),
    );
    expect(line).toContain('could not load IPVS (modprobe ip_vs: modprobe: FATAL: Module ip_vs not found)');
    expect(line).toContain('reinstall user-mode-linux');
  });

  it('other panics and memory exhaustion are quoted in one line', () => {
    const oom = 'Out of memory: Killed process 1\nKernel panic - not syncing: System is deadlocked on memory\n';
    expect(oneLine(bootFailure(facts({ console: oom })))).toBe(
      'the guest ran out of memory: give it more (mem=, UmlOptions.mem): "System is deadlocked on memory"',
    );
    expect(bootFailure(facts({ console: 'UML ran out of memory on the host side! This can happen' }))).toContain(
      'host memory',
    );
    expect(
      bootFailure(facts({ console: 'Kernel panic - not syncing: VFS: Unable to mount root fs on hostfs' })),
    ).toContain('hostfs');
    expect(bootFailure(facts({ console: 'a\nKernel panic - not syncing: No working init found.\n' }))).toBe(
      'the guest kernel panicked: "No working init found."',
    );
  });

  it('no progress: before the deadline, or a guest that ended early, with its last console line', () => {
    expect(bootFailure(facts({ timedOut: true, timeoutMs: 90_000, console: 'booting\nstill booting\n' }))).toBe(
      'the guest did not get to its script within 90 s (an overloaded machine, or a boot that hangs); last console line: "still booting"',
    );
    expect(bootFailure(facts({ console: 'x\nreboot: System halted\n' }))).toBe(
      'the guest stopped before its script started; last console line: "reboot: System halted"',
    );
    expect(bootFailure(facts({ scriptStarted: true, console: 'Killed\n' }))).toBe(
      'the guest ended while its script ran; last console line: "Killed"',
    );
  });

  it('nothing to explain when the script ran to its end (any exit code) or hung on its own until the deadline', () => {
    expect(bootFailure(facts({ scriptStarted: true, scriptEnded: true, console: efault }))).toBeUndefined();
    expect(bootFailure(facts({ scriptStarted: true, timedOut: true, console: 'ok\n' }))).toBeUndefined();
  });
});

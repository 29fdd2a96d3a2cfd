/**
 * The IPVS layer's errors. Kernel refusals stay NetlinkError (code = errno name, op names the
 * command); this layer adds one class with a stable `code` for what it decides itself.
 *   IPVS_UNAVAILABLE — the kernel has no "IPVS" generic netlink family (module not loaded).
 *   IPVS_INVALID     — an Op or value that cannot be encoded (bad address, port, scheduler name...).
 *   IPVS_RULES       — a line of ipvsadm rules that does not parse (`line` says which).
 *   IPVS_SYNC        — the kernel refused a sync-daemon command (SyncDaemonError: `reason` is the errno name).
 */

/** An IPVS-layer failure with a stable code. */
export class IpvsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpvsError';
    this.code = code;
  }
}

/** The kernel has no IPVS. The message is the one users see, verbatim. */
export class IpvsUnavailableError extends IpvsError {
  constructor(options?: { cause?: unknown }) {
    super(
      'IPVS_UNAVAILABLE',
      'IPVS is not available in this kernel (generic netlink family "IPVS" not found): load the ip_vs module',
      options,
    );
    this.name = 'IpvsUnavailableError';
  }
}

/** A bad rules line; `line` is 1-based. The message starts with "line N: ". */
export class RulesError extends IpvsError {
  readonly line: number;

  constructor(line: number, message: string) {
    super('IPVS_RULES', `line ${line}: ${message}`);
    this.name = 'RulesError';
    this.line = line;
  }
}

/**
 * The kernel refused to start or stop a sync daemon. `reason` is the errno name (EEXIST: one of
 * that state already runs; ESRCH: none runs; ENODEV: no such interface; EINVAL...), the message
 * says what it means; `cause` is the NetlinkError.
 */
export class SyncDaemonError extends IpvsError {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('IPVS_SYNC', message, options);
    this.name = 'SyncDaemonError';
    this.reason = reason;
  }
}

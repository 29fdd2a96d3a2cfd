/**
 * The daemon layer's error class. Stable codes: ENOVS (unknown virtual server), ENORS (unknown real
 * server), ECONFIG (invalid config at start), ENOIPVS (IPVS not available), EUSAGE (bad CLI args),
 * ESTART (a listener could not start), ESTATE (the state file could not be written: nothing
 * changed), EGROUP (control_socket_group names no group).
 */
import { ControlError } from '../control/protocol.js';

/** An error of the daemon layer; a ControlError so the control socket passes its code through. */
export class DaemonError extends ControlError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'DaemonError';
  }
}

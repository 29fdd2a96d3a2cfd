/**
 * Maps control requests (src/control/protocol.ts) onto the daemon, the same operations for every
 * client: status and show → the status report (show filtered), state / weight / check → runtime
 * control (operator.ts; drain and enable are state drain / state ready), reload → the same reload
 * as SIGHUP (a rejected config is an error response with code ECONFIG listing every problem).
 * maintenance → the director's announcements. The control server has already checked the
 * connection's level.
 */
import type { ControlRequest } from '../control/protocol.js';
import { filterStatus } from '../control/show.js';
import type { Daemon } from './daemon.js';
import { DaemonError } from './errors.js';

/** Answers one control request; throws DaemonError for client-visible failures. */
export async function handleRequest(d: Daemon, req: ControlRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'status':
      return d.status();
    case 'show':
      return filterStatus(await d.status(), req);
    case 'state':
      return d.setState(req.vs, req.rs, req.state);
    case 'drain':
      return d.setState(req.vs, req.rs, 'drain');
    case 'enable':
      return d.setState(req.vs, req.rs, 'ready');
    case 'weight':
      return d.setWeight(req.vs, req.rs, req.weight);
    case 'check':
      return d.checkNow(req.vs, req.rs);
    case 'maintenance':
      return d.maintenance(req.on);
    case 'reload': {
      const r = await d.reload();
      if (r.ok) return r;
      const lines = r.problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
      throw new DaemonError('ECONFIG', `config rejected, still running the previous one:\n${lines}`);
    }
  }
}

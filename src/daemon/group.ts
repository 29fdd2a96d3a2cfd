/**
 * `global.control_socket_group` → a numeric group id: a number as is, a name looked up in
 * /etc/group (the daemon's own file; Node has no getgrnam). Throws DaemonError('EGROUP') naming the
 * group when it does not exist.
 */
import { readFileSync } from 'node:fs';
import { quote } from '../util/quote.js';
import { DaemonError } from './errors.js';

/** The gid of `group` (a name or a decimal id); `groupFile` is the text of /etc/group (tests). */
export function controlGroupId(group: string, groupFile?: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const text = groupFile ?? readGroupFile();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new DaemonError('EGROUP', `control_socket_group ${quote(group)}: no such group in /etc/group`);
}

function readGroupFile(): string {
  try {
    return readFileSync('/etc/group', 'utf8');
  } catch {
    return '';
  }
}

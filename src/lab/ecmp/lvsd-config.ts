/**
 * The lvsd config of an ECMP lab director: the VIP's service over the 4 backends with TCP checks,
 * direct routing, announced into table ANNOUNCE_TABLE while healthy. With scheduler mh the service
 * is in ecmp mode (mh-port, one destination order on every director); with wrr (the contrast) it is
 * a plain service. Pure text, plus the writer the lab's directors use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Director, ServiceShape } from './directors.js';
import { ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE, ECMP_BACKENDS, ECMP_RUN, ECMP_VIP } from './topology.js';

/** The TOML text for director `d`. */
export function ecmpLvsdConfig(d: Director, shape: ServiceShape): string {
  const mh = shape.scheduler === 'mh';
  const dir = join(ECMP_RUN, d.name);
  const servers = ECMP_BACKENDS.map((b) => `  [[virtual_server.real_server]]\n  address = "${b.addr}"\n`).join('');
  return `[global]
router_id = "${d.name}"
control_socket = "${dir}/lvsd.sock"
state_file = "${dir}/state.json"
on_shutdown = "keep"

[announce]
table = ${ANNOUNCE_TABLE}
protocol = ${ANNOUNCE_PROTOCOL}
vips = ["${ECMP_VIP}"]
hold_down = "1s"

[[virtual_server]]
name = "echo"
address = "${ECMP_VIP}"
port = 80
forwarding = "dr"
scheduler = "${shape.scheduler}"
${mh ? 'scheduler_flags = ["mh-port"]\necmp = true\n' : ''}  [virtual_server.check]
  type = "tcp"
  interval = "1s"
  timeout = "500ms"
${servers}`;
}

/** Writes director `d`'s config to `file` (the Directors' LvsdConfigWriter). */
export function writeEcmpLvsdConfig(d: Director, shape: ServiceShape, file: string): void {
  writeFileSync(file, ecmpLvsdConfig(d, shape));
}

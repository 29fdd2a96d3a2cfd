/** The generated keepalived.conf of the import benchmark (bench/keepalived-import.ts). */

/** A keepalived.conf like the one in #2318: DR services, weighted servers, TCP checks (every 4th an HTTP_GET). */
export function bigConfig(services: number, servers: number): string {
  const out = ['global_defs {', '    router_id big', '}', ''];
  for (let i = 0; i < services; i++) {
    out.push(`virtual_server 10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255} 80 {`);
    out.push(
      '    delay_loop 6',
      '    lb_algo wrr',
      '    lb_kind DR',
      '    protocol TCP',
      '    persistence_timeout 300',
    );
    for (let j = 0; j < servers; j++) {
      out.push(
        `    real_server 172.${16 + (j >> 8)}.${(i >> 8) & 255}.${(i & 255) ^ j} 80 {`,
        `        weight ${1 + (j % 4)}`,
        '        inhibit_on_failure',
      );
      if (j % 4 === 3)
        out.push(
          '        HTTP_GET {',
          '            url {',
          '                path /health',
          '                status_code 200',
          '            }',
          '            connect_timeout 3',
          '            retry 2',
          '        }',
        );
      else
        out.push(
          '        TCP_CHECK {',
          '            connect_timeout 3',
          '            retry 2',
          '            delay_before_retry 2',
          '        }',
        );
      out.push('    }');
    }
    out.push('}', '');
  }
  return out.join('\n');
}

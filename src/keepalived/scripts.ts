/**
 * Scripts as keepalived runs them: a notify or misc line is split twice (the line into words, then
 * the script word into argv, each with quotes and escapes, no shell), and the words after the
 * script name a user and group. `vrrp_script` blocks become lvsd track_script tables.
 */
import { Ctx, dur, walk, type Raw } from './context.js';
import type { KaNode } from './tree.js';
import { splitQuoted } from './tree.js';

/** argv of the script on `node` (keyword, script, [user [group]]); undefined after a finding. */
export function scriptArgv(ctx: Ctx, node: KaNode): string[] | undefined {
  const words = splitQuoted(node.text);
  const argv = words && words[1] !== undefined ? splitQuoted(words[1]) : undefined;
  if (!argv || argv.length === 0 || argv.some((a) => a === '')) {
    ctx.warn(
      node,
      node.words[0]!,
      'cannot split the script into a command (an unclosed quote or an empty word); keepalived ignores it',
    );
    return undefined;
  }
  if (words!.length > 2)
    ctx.warn(
      node,
      node.words[0]!,
      `lvsd runs hooks as its own user, not as ${words!.slice(2).join(':')}`,
      'give the lvsd user the rights the script needs',
    );
  return argv;
}

/** A vrrp_script block as an lvsd track_script table (weight may be overridden where it is tracked). */
export interface ScriptDef {
  node: KaNode;
  table?: Raw;
  weight: number;
  reverse: boolean;
}

/** Maps one `vrrp_script NAME { ... }` block. */
export function mapVrrpScript(ctx: Ctx, node: KaNode): ScriptDef {
  const t: Raw = {};
  let interval = 1000;
  let timeout: number | undefined;
  const def: ScriptDef = { node, weight: 0, reverse: false };
  walk(ctx, 'vrrp_script', node.block, {
    script: (n) => {
      const argv = scriptArgv(ctx, n);
      if (argv) t.argv = argv;
    },
    interval: (n) => void (interval = ctx.seconds(n, 1) ?? interval),
    timeout: (n) => void (timeout = ctx.seconds(n, 1) ?? timeout),
    weight: (n) => {
      def.weight = ctx.int(n, -253, 253) ?? def.weight;
      if (n.words[2] === 'reverse') def.reverse = true;
      else if (n.words[2] !== undefined)
        ctx.warn(n, 'weight', `unknown weight option "${n.words[2]}"; keepalived ignores it`);
    },
    rise: (n) => void (t.rise = ctx.int(n, 1, 1000) ?? t.rise),
    fall: (n) => void (t.fall = ctx.int(n, 1, 1000) ?? t.fall),
  });
  if (!t.argv) {
    ctx.warn(node, 'vrrp_script', 'has no script; keepalived removes it');
    return def;
  }
  // lvsd's track_script defaults: interval 2s, timeout 2s, rise 1, fall 1 (left out when equal)
  const table: Raw = { argv: t.argv };
  if (interval !== 2000) table.interval = dur(interval);
  if ((timeout ?? interval) !== 2000) table.timeout = dur(timeout ?? interval);
  if (t.rise !== undefined && t.rise !== 1) table.rise = t.rise;
  if (t.fall !== undefined && t.fall !== 1) table.fall = t.fall;
  def.table = table;
  return def;
}

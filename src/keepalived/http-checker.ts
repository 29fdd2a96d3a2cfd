/**
 * HTTP_GET and SSL_GET: the first `url` block gives path, status codes (keepalived's default
 * 200-299), the MD5 digest, the regex and the virtual host; the host falls back to the checker's,
 * the real server's and the virtual server's virtualhost. SSL_GET verifies no certificate in
 * keepalived, so the https check gets tls_verify = false; enable_sni sends the virtual host.
 */
import type { Inherited, KindMapping } from './checker-types.js';
import { type Ctx, walk, type Raw } from './context.js';
import type { KaNode } from './tree.js';

/** The HTTP_GET / SSL_GET keywords of one checker block. */
export function http(ctx: Ctx, kind: string, check: Raw, inh: Inherited): KindMapping {
  let urls = 0;
  let host: string | undefined;
  let urlHost: string | undefined;
  let sni = false;
  return {
    handlers: {
      url: (n) => {
        if (++urls > 1)
          return ctx.warn(
            n,
            'url',
            'lvsd checks one URL per server; only the first url block is used',
            'check the other URLs with another virtual server or a script',
          );
        urlHost = mapUrl(ctx, n, check);
      },
      virtualhost: (n) => void (host = ctx.arg(n) ?? host),
      http_protocol: (n) => {
        const v = ctx.arg(n);
        if (v !== undefined && !['1.0', '1.0C', '1.1'].includes(v))
          ctx.warn(n, 'http_protocol', `"${v}" is not 1.0, 1.0C or 1.1; keepalived ignores it`);
      },
      enable_sni: (n) => {
        if (kind === 'SSL_GET') sni = true;
        else ctx.warn(n, 'enable_sni', 'only SSL_GET uses SNI; keepalived ignores it here');
      },
    },
    finish: (n) => {
      if (urls === 0) {
        ctx.warn(
          n,
          n.words[0]!,
          'has no url block: keepalived drops this checker (the server counts as up)',
          'add url { path / }',
        );
        return false;
      }
      const h = urlHost ?? host ?? inh.virtualhost;
      if (h !== undefined) check.host = h;
      if (check.path === undefined) check.path = '/';
      if (check.expect_status === undefined) check.expect_status = ['200-299'];
      if (kind === 'SSL_GET') {
        check.tls_verify = false;
        if (sni && h !== undefined) check.sni = h;
      }
      return true;
    },
  };
}

/** One url block → path, status, digest, regex; returns its virtualhost. */
function mapUrl(ctx: Ctx, node: KaNode, check: Raw): string | undefined {
  let host: string | undefined;
  walk(ctx, 'url', node.block, {
    path: (n) => {
      const v = ctx.arg(n);
      if (v !== undefined && /^\/[\x21-\x7e]*$/.test(v)) check.path = v;
      else if (v !== undefined)
        ctx.warn(
          n,
          'path',
          `"${v}" is not a path lvsd can send (it must start with "/", no spaces)`,
          'percent-encode it',
        );
    },
    digest: (n) => {
      const v = ctx.arg(n);
      if (v !== undefined && /^[0-9a-fA-F]{32}$/.test(v)) check.expect_digest = v.toLowerCase();
      else if (v !== undefined)
        ctx.warn(n, 'digest', `"${v}" is not an MD5 digest (32 hex digits); keepalived ignores it`);
    },
    status_code: (n) => {
      const codes = statusCodes(n.words.slice(1));
      if (codes) check.expect_status = codes;
      else
        ctx.warn(
          n,
          'status_code',
          `"${n.words.slice(1).join(' ')}" is not a list of codes 100-599 or ranges like 200-299`,
        );
    },
    virtualhost: (n) => void (host = ctx.arg(n) ?? host),
    regex: (n) => {
      const v = ctx.arg(n);
      if (v === undefined) return;
      try {
        new RegExp(v);
        check.expect_body = v;
      } catch (e) {
        ctx.warn(
          n,
          'regex',
          `not a JavaScript regular expression (${(e as Error).message})`,
          'rewrite it without PCRE-only syntax',
        );
      }
    },
  });
  return host;
}

function statusCodes(words: string[]): Array<string | number> | undefined {
  if (words.length === 0) return undefined;
  const out: Array<string | number> = [];
  for (const w of words) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 100 || hi > 599 || lo > hi) return undefined;
    out.push(m[2] === undefined ? lo : `${lo}-${hi}`);
  }
  return out;
}

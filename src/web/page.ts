/**
 * The status page: one self-contained HTML document (inline CSS and script, no external asset, no
 * request but its own feed and JSON export), readable on a phone. The data comes from the live
 * feed (status-feed.ts) and is rendered by page-client.ts in the browser. `statusPage()` also
 * returns a Content-Security-Policy that allows exactly the inline style and script by their hashes
 * and connections to the page's own origin, so a browser refuses anything else.
 */
import { createHash } from 'node:crypto';
import { applyListDelta, applyStatusDelta, KEYED_LISTS } from './status-delta.js';
import { pageMain } from './page-client.js';

/** The page and the headers to serve it with. */
export interface StatusPage {
  html: string;
  csp: string;
}

const CSS = `
:root{--bg:#fff;--fg:#1d2125;--mute:#646d76;--line:#dde1e5;--head:#f3f5f7;--up:#137333;--down:#b3261e;--warn:#9a6700;--chip:#eef1f4}
@media (prefers-color-scheme:dark){:root{--bg:#15181b;--fg:#e3e6e9;--mute:#98a1aa;--line:#2c3237;--head:#1d2226;--up:#5cc77a;--down:#ff7b72;--warn:#e3b341;--chip:#252b30}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;padding:.6em 1em;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg);z-index:1}
h1{font-size:1.2em;margin:0}h2{font-size:1.05em;margin:1.2em 0 .4em}
nav{margin-left:auto;display:flex;gap:1em}a{color:inherit}
.live{padding:.1em .6em;border-radius:1em;font-size:.85em}.live.ok{background:var(--up);color:#fff}.live.wait{background:var(--warn);color:#fff}
#updated{color:var(--mute);font-size:.85em}
main,.wrap{padding:0 1em}
.cards{display:flex;flex-wrap:wrap;gap:.5em;padding:.8em 1em}
.card{background:var(--chip);border-radius:6px;padding:.3em .7em;display:flex;flex-direction:column;min-width:7em}
.card .k{color:var(--mute);font-size:.8em}.card.bad{outline:2px solid var(--down)}
.tools{display:flex;flex-wrap:wrap;gap:1em;align-items:center;padding:0 1em .6em}
#filter{flex:1 1 16em;max-width:32em;padding:.4em .6em;font:inherit;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
section.vs{margin:.8em 0 1.4em}
.vs-head{display:flex;flex-wrap:wrap;gap:.3em .8em;align-items:baseline;padding:.4em 0;border-bottom:2px solid var(--line)}
.vs-head .name{font-weight:600;font-size:1.05em}.vs-head .svc{font-family:ui-monospace,monospace}
.vs-head span{color:var(--mute)}.vs-head .name,.vs-head .svc{color:var(--fg)}
.vs-head .quorum,.vs-head .kernel,.vs-head .state{font-weight:600}.vs-head.bad .quorum,.vs-head .kernel{color:var(--down)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--head);font-weight:600;font-size:.85em;color:var(--mute)}
td:first-child{font-family:ui-monospace,monospace;white-space:nowrap}
tr.h-up td:nth-child(2){color:var(--up);font-weight:600}
tr.h-down td:nth-child(2){color:var(--down);font-weight:600}
tr.h-down{background:color-mix(in srgb,var(--down) 8%,transparent)}
tr.s-drain td:nth-child(3),tr.s-maint td:nth-child(3){color:var(--warn);font-weight:600}
tr.h-extra{color:var(--mute)}
#transitions{list-style:none;padding:0;margin:0}
#transitions li{display:flex;flex-wrap:wrap;gap:.2em .8em;padding:.2em 0;border-bottom:1px solid var(--line)}
#transitions time{color:var(--mute);min-width:5em}.subj{font-family:ui-monospace,monospace}
table.kv th{width:12em}
@media (max-width:720px){
 header{position:static}
 thead{display:none}
 table,tbody,tr,td{display:block;width:100%}
 tr{border:1px solid var(--line);border-radius:6px;margin:.5em 0;padding:.3em .5em}
 td{border:0;padding:.1em 0;display:flex;gap:.6em}
 td::before{content:attr(data-label);color:var(--mute);min-width:9.5em;flex:none;font-family:system-ui,sans-serif}
 table.generic tr:first-child{display:none}
}
`.trim();

const BODY = `
<header>
<h1>lvsd <span id="router"></span></h1>
<span id="live" class="live wait">connecting…</span>
<span id="updated"></span>
<nav><a id="export" href="status.json" download="lvsd-status.json">JSON export</a><a href="metrics">metrics</a></nav>
</header>
<section id="daemon" class="cards" aria-label="daemon"></section>
<div class="tools">
<input id="filter" type="search" placeholder="filter by name, address, health, reason" aria-label="filter">
<label><input id="problems" type="checkbox"> problems only</label>
</div>
<main id="vs" aria-label="virtual servers"></main>
<div class="wrap">
<section id="vrrp-sec" hidden><h2>VRRP instances</h2><div id="vrrp"></div></section>
<section id="sync-sec" hidden><h2>Connection sync</h2><div id="sync"></div></section>
<section id="announce-sec" hidden><h2>Route announcements</h2><div id="announce"></div></section>
<section id="transitions-sec" hidden><h2>Recent transitions</h2><ol id="transitions"></ol></section>
<section id="reload-sec" hidden><h2>Last reload</h2><div id="reload"></div></section>
</div>
<noscript>This page needs JavaScript; the same report is at <a href="status.json">status.json</a>.</noscript>
`.trim();

function script(): string {
  const lib = `{ applyStatusDelta: ${applyStatusDelta.name}, keyed: ${JSON.stringify(KEYED_LISTS)}, events: "status/events" }`;
  return [
    '"use strict";',
    applyListDelta.toString(),
    applyStatusDelta.toString(),
    `(${pageMain.toString()})(${lib});`,
  ].join('\n');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

let cached: StatusPage | undefined;

/** The status page (built once per process) and its Content-Security-Policy. */
export function statusPage(): StatusPage {
  if (cached) return cached;
  const js = script();
  if (/<\/script|<!--/i.test(js)) throw new Error('status page script would end its own <script> element');
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>lvsd status</title>` +
    `<link rel="icon" href="data:,"><style>${CSS}</style></head>\n<body>\n${BODY}\n<script>${js}</script>\n</body></html>\n`;
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(CSS)}`,
    `script-src ${sha256(js)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  cached = { html, csp };
  return cached;
}

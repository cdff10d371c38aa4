/**
 * The site overview page (ISA-101 level 1: the whole site at a glance): one tile per line — PackML state,
 * first-out, latched trips, alarm counts, the current roll and the line speed, a link into the line's HMI.
 * Grey on grey; colour only for what is abnormal: a tripped line red, an offline line struck through and
 * marked with the time it went. Plain HTML + CSS; the script is site-page-script.ts. Pure strings.
 */

export function siteHtml(title: string): string {
  const t = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t} — site overview</title>
<link rel="stylesheet" href="/site.css">
<script src="/site.js" defer></script>
</head>
<body>
<header>
  <h1 id="site-name">${t}</h1>
  <span id="broker" data-connected="false">broker: connecting…</span>
  <span id="feed" data-live="false">overview: connecting…</span>
  <span id="clock"></span>
</header>
<main id="lines" aria-live="polite"></main>
<footer id="counters"></footer>
</body>
</html>
`;
}

export const SITE_CSS = `
:root { --bg: #c8c8c8; --tile: #dcdcdc; --ink: #1e1e1e; --dim: #5a5a5a; --line: #9a9a9a; --trip: #c00000; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.35 system-ui, sans-serif; }
header { display: flex; gap: 24px; align-items: baseline; padding: 8px 16px; background: #b4b4b4; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; font-weight: 600; }
header span { color: var(--dim); }
#broker[data-connected="false"], #feed[data-live="false"] { color: var(--ink); font-weight: 600; background: #fff; padding: 0 6px; border: 2px solid var(--ink); }
#clock { margin-left: auto; font-variant-numeric: tabular-nums; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; padding: 16px; }
.tile { background: var(--tile); border: 1px solid var(--line); padding: 10px 12px; }
.tile h2 { margin: 0 0 6px; font-size: 16px; display: flex; justify-content: space-between; gap: 8px; }
.tile h2 a { color: var(--ink); }
.tile dl { display: grid; grid-template-columns: 9em 1fr; margin: 0; row-gap: 2px; }
.tile dt { color: var(--dim); }
.tile dd { margin: 0; font-variant-numeric: tabular-nums; }
.status { font-size: 12px; font-weight: 600; color: var(--dim); }
.tile[data-tripped="true"] { border: 3px solid var(--trip); }
.tile[data-tripped="true"] .trip { background: var(--trip); color: #fff; font-weight: 700; padding: 0 4px; }
.tile[data-status="offline"], .tile[data-status="unknown"], .tile[data-status="never-seen"] { background: #bdbdbd; border-style: dashed; }
.tile[data-status="offline"] dd, .tile[data-status="unknown"] dd { color: var(--dim); text-decoration: line-through; }
.tile[data-status="offline"] .status, .tile[data-status="unknown"] .status, .tile[data-status="never-seen"] .status { color: #fff; background: var(--ink); padding: 0 4px; }
footer { padding: 4px 16px; color: var(--dim); font-size: 12px; }
`;

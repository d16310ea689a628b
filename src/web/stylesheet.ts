import { createHash } from 'node:crypto';

/**
 * The console's one stylesheet. Colours keep a contrast of at least 4.5:1 against their background
 * (WCAG AA), focus is always visible, and status badges carry their meaning in text, not colour alone.
 */
export const STYLESHEET = `
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: 0.5rem 1.5rem; background: #1f2d3d; color: #fff; }
header a { color: #fff; }
header .tenant { margin-left: auto; }
header form { margin: 0; }
main { padding: 1rem 1.5rem; max-width: 80rem; }
a { color: #0b4f9c; }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #c25400; outline-offset: 2px; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #b0b7c0; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
pre { background: #f4f5f7; padding: 0.75rem; overflow-x: auto; border: 1px solid #b0b7c0; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; }
label { display: flex; flex-direction: column; font-size: 0.9rem; }
input, select, button { font: inherit; padding: 0.25rem 0.5rem; }
button { background: #0b4f9c; color: #fff; border: 1px solid #0b4f9c; border-radius: 3px; cursor: pointer; }
button:disabled { background: #d0d4d9; color: #3d3d3d; border-color: #8a9099; cursor: not-allowed; }
header button { background: #fff; color: #1f2d3d; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 3px; border: 1px solid currentColor; font-weight: 600; }
.badge-healthy, .badge-ok { color: #0a5c2b; background: #e6f4ea; }
.badge-degraded { color: #6b4400; background: #fff4d6; }
.badge-unhealthy, .badge-failed { color: #a1120f; background: #fde8e7; }
.badge-unknown { color: #3d3d3d; background: #eef1f4; }
.panel { border: 1px solid #b0b7c0; padding: 0.75rem 1rem; margin: 1rem 0; }
.error { border-color: #a1120f; background: #fde8e7; color: #5c0a08; }
.muted { color: #4a4f55; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
`.trimStart();

/** A short hash of the stylesheet, in its URL, so it can be cached for a year and still change. */
export const STYLESHEET_VERSION = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
export const STYLESHEET_URL = `/console/console.css?v=${STYLESHEET_VERSION}`;

/**
 * Stylesheet of the admin page (`GET /admin/app.css`). Kept as a string so esbuild bundles it into
 * the admin Lambda (no file reads at runtime). The page's CSP forbids inline styles, so all styling
 * lives here and elements only get classes.
 */
export const APP_CSS = String.raw`
:root {
  --bg: #f5f6f8;
  --surface: #ffffff;
  --border: #dde1e7;
  --border-strong: #c5ccd6;
  --text: #1b2230;
  --muted: #5d6675;
  --accent: #2c58c9;
  --accent-hover: #2248ad;
  --accent-soft: #eaf0fc;
  --danger: #b42318;
  --danger-soft: #fef3f2;
  --danger-border: #f4c7c2;
  --ok: #067647;
  --ok-soft: #ecfdf3;
  --warn-text: #7a4b00;
  --warn-soft: #fffaeb;
  --warn-border: #f3cf7a;
  --radius: 6px;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
*, *::before, *::after { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: var(--sans); font-size: 14px; line-height: 1.5; color: var(--text); background: var(--bg); }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 22px; font-weight: 650; }
h2 { font-size: 16px; font-weight: 620; }
h3 { font-size: 14px; font-weight: 620; }
p { margin: 0; }
a { color: var(--accent); }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip-link { position: absolute; left: 8px; top: -40px; background: var(--surface); color: var(--accent); padding: 6px 10px; border-radius: var(--radius); z-index: 10; }
.skip-link:focus { top: 8px; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.noscript { padding: 24px; }

/* Top bar */
.topbar { height: 52px; display: flex; align-items: center; justify-content: space-between; padding: 0 20px; background: #121826; color: #f3f5f9; }
.brand { display: flex; align-items: center; gap: 10px; }
.brand-mark { width: 20px; height: 20px; border-radius: 5px; background: linear-gradient(135deg, #5b85ee, #2c58c9); box-shadow: inset 0 0 0 1px rgba(255,255,255,.2); }
.brand-name { font-weight: 650; letter-spacing: .01em; }
.brand-sub { color: #a5afc0; padding-left: 10px; border-left: 1px solid #38414f; }
.top-actions { display: flex; align-items: center; gap: 10px; }
.top-actions .pill { background: #232b3a; color: #cfd6e2; border: 1px solid #38414f; }
.top-actions .btn { background: transparent; color: #e5e9f0; border-color: #434d5e; }
.top-actions .btn:hover { background: #232b3a; }

/* Centered screens (sign in, workspace picker) */
.center { max-width: 880px; margin: 48px auto; padding: 0 20px; }
.center.narrow { max-width: 460px; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
.page-title { margin-bottom: 6px; }
.page-lead { color: var(--muted); margin-bottom: 24px; }

/* Workspace shell */
.shell { display: grid; grid-template-columns: 240px minmax(0, 1fr); min-height: calc(100vh - 52px); }
.sidebar { background: var(--surface); border-right: 1px solid var(--border); padding: 18px 12px; }
.ws-card { padding: 4px 10px 16px; margin-bottom: 10px; border-bottom: 1px solid var(--border); }
.ws-name { font-weight: 650; font-size: 15px; overflow-wrap: anywhere; }
.ws-meta { margin-top: 6px; display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 12px; }
.ws-id { font-family: var(--mono); font-size: 11.5px; color: var(--muted); overflow-wrap: anywhere; margin-top: 4px; }
.nav ul { list-style: none; margin: 0; padding: 0; }
.nav a { display: block; padding: 7px 10px; border-radius: var(--radius); color: var(--text); text-decoration: none; margin-bottom: 2px; }
.nav a:hover { background: var(--bg); }
.nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.nav-group { margin: 14px 10px 4px; font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.content { padding: 28px 40px 56px; max-width: 1080px; width: 100%; }
.content:focus { outline: none; }
.section-head { margin-bottom: 20px; }
.section-head h1:focus { outline: none; }
.section-head p { color: var(--muted); margin-top: 6px; max-width: 72ch; }

/* Cards */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 20px 22px; margin-bottom: 20px; }
.card > h2 { margin-bottom: 14px; }
.card > h2 + .card-lead { color: var(--muted); margin: -10px 0 16px; }
.card-head { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 12px; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; color: var(--muted); margin-bottom: 20px; }
.summary strong { color: var(--text); font-weight: 600; }

/* Forms */
form { margin: 0; }
.field { margin-bottom: 14px; }
.field > label, .field > .label { display: block; font-weight: 560; margin-bottom: 4px; }
.hint { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
.fields-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 18px; }
input[type="text"], input[type="password"], input[type="url"], input[type="date"], input[type="datetime-local"], input[type="search"], select, textarea {
  width: 100%; font: inherit; color: inherit; background: #fff; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 7px 10px; min-height: 34px;
}
textarea { font-family: var(--mono); font-size: 12px; min-height: 120px; resize: vertical; }
input:focus, select:focus, textarea:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px rgba(44, 88, 201, .18); }
input[aria-invalid="true"], textarea[aria-invalid="true"] { border-color: var(--danger); box-shadow: 0 0 0 3px rgba(180, 35, 24, .12); }
input::placeholder, textarea::placeholder { color: #8a93a3; }
.checks { display: grid; gap: 10px; margin: 4px 0 16px; }
.check { display: grid; grid-template-columns: 18px 1fr; gap: 2px 10px; align-items: start; }
.check input { width: 16px; height: 16px; margin: 2px 0 0; accent-color: var(--accent); }
.check label { font-weight: 560; }
.check .hint { grid-column: 2; margin-top: 0; }
fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
legend { font-weight: 620; padding: 0; margin-bottom: 8px; }
.checks.inline { grid-auto-flow: column; justify-content: start; gap: 10px 28px; }

/* Connections: provider tiles (native radios, so arrow keys move between them) */
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; }
.tile { display: flex; gap: 10px; align-items: flex-start; padding: 11px 12px; border: 1px solid var(--border-strong); border-radius: var(--radius); background: #fff; cursor: pointer; }
.tile:hover { background: #f8f9fb; }
.tile:has(input:checked) { border-color: var(--accent); background: var(--accent-soft); box-shadow: inset 0 0 0 1px var(--accent); }
.tile:has(input:focus-visible) { outline: 2px solid var(--accent); outline-offset: 2px; }
.tile input { width: 16px; height: 16px; margin: 1px 0 0; accent-color: var(--accent); flex: none; }
.tile-text { display: flex; flex-direction: column; gap: 2px; }
.tile-label { font-weight: 600; }
.tile-hint { color: var(--muted); font-size: 12.5px; }
.card-tools { display: flex; justify-content: flex-end; margin: -40px 0 14px; }
.back { margin: -8px 0 12px; }
.back a { text-decoration: none; }
.back a:hover { text-decoration: underline; }
ul.notes { margin: 0; padding-left: 20px; display: grid; gap: 6px; }
ul.notes li { max-width: 80ch; }
.warn strong { display: block; margin-bottom: 2px; }

.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-top: 6px; }

/* Buttons */
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; font: inherit; font-weight: 560; line-height: 1; padding: 9px 14px; border-radius: var(--radius); border: 1px solid var(--border-strong); background: #fff; color: var(--text); cursor: pointer; text-decoration: none; white-space: nowrap; }
.btn:hover { background: #f1f3f6; }
.btn:disabled { opacity: .55; cursor: default; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover:not(:disabled) { background: var(--accent-hover); }
.btn.danger { color: var(--danger); border-color: var(--danger-border); }
.btn.danger:hover:not(:disabled) { background: var(--danger-soft); }
.btn.danger.solid { background: var(--danger); border-color: var(--danger); color: #fff; }
.btn.small { padding: 5px 9px; font-size: 12.5px; }
.btn.link { border: 0; background: none; color: var(--accent); padding: 4px 6px; }
.btn.copied { color: var(--ok); border-color: #9ad7b8; background: var(--ok-soft); }

/* Messages */
.alert { border: 1px solid var(--danger-border); background: var(--danger-soft); color: var(--danger); border-radius: var(--radius); padding: 10px 12px; margin: 0 0 14px; }
.alert:empty { display: none; }
.alert .code { font-family: var(--mono); font-size: 11.5px; opacity: .8; margin-left: 6px; }
.status { color: var(--ok); font-weight: 560; }
.status:empty { display: none; }
.banner-ok { border: 1px solid #b5e3c9; background: var(--ok-soft); color: var(--ok); font-weight: 560; border-radius: var(--radius); padding: 10px 14px; margin-bottom: 20px; }
.notice { border: 1px solid var(--border); background: var(--bg); border-radius: var(--radius); padding: 14px 16px; color: var(--muted); }
.notice strong { color: var(--text); display: block; margin-bottom: 2px; }
.warn { border: 1px solid var(--warn-border); background: var(--warn-soft); color: var(--warn-text); border-radius: 8px; padding: 16px 18px; margin-bottom: 20px; }
.warn h2 { color: var(--warn-text); margin-bottom: 4px; }
.secret-row { display: flex; gap: 8px; margin: 12px 0; }
.secret-row input { font-family: var(--mono); font-size: 12.5px; background: #fff; }

/* Pills */
.pill { display: inline-block; font-size: 11.5px; font-weight: 600; padding: 2px 8px; border-radius: 999px; border: 1px solid var(--border); background: var(--bg); color: var(--muted); }
.pill.region { text-transform: uppercase; background: var(--accent-soft); color: var(--accent); border-color: #c9d6f5; letter-spacing: .04em; }
.pill.ok { background: var(--ok-soft); color: var(--ok); border-color: #b5e3c9; }
.pill.off { background: #f2f4f7; color: var(--muted); }
.pill.bad { background: var(--danger-soft); color: var(--danger); border-color: var(--danger-border); }
.pill.warn { background: var(--warn-soft); color: var(--warn-text); border-color: var(--warn-border); }
.pills { display: flex; flex-wrap: wrap; gap: 4px; }
.pills .pill { white-space: nowrap; }
tr[data-connection] > td:first-child { min-width: 160px; }

/* Tables */
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 9px 10px; border-bottom: 1px solid var(--border); vertical-align: middle; }
thead th { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; background: #fafbfc; border-bottom: 1px solid var(--border); }
tbody tr:last-child > * { border-bottom: 0; }
table.bordered { border: 1px solid var(--border); border-radius: var(--radius); border-collapse: separate; border-spacing: 0; overflow: hidden; }
table.kv th { width: 32%; font-weight: 560; color: var(--text); }
table.kv td.value { overflow-wrap: anywhere; }
table.kv td.value code { background: #f3f5f8; border: 1px solid #e6e9ee; border-radius: 4px; padding: 2px 6px; display: inline-block; }
table.kv td.copy, td.row-actions { width: 1%; white-space: nowrap; text-align: right; }
table.edit td { padding: 6px 8px; }
table.edit-roles th:nth-child(2) { width: 22%; }
table.edit-roles th:nth-child(3) { width: 26%; }
table.edit-groups th:nth-child(1) { width: 34%; }
table.edit-groups th:nth-child(2) { width: 28%; }
table.edit-values th:nth-child(1) { width: 48%; }
.nowrap { white-space: nowrap; }
thead th { white-space: nowrap; }
table.edit td.center, table.edit th.center { text-align: center; width: 1%; }
table.edit input[type="radio"] { width: 16px; height: 16px; accent-color: var(--accent); }
.muted { color: var(--muted); }
.small { font-size: 12.5px; }
.empty { color: var(--muted); padding: 14px 0 4px; }
.group-note { color: var(--muted); margin: -2px 0 12px; }
.table-foot { display: flex; justify-content: space-between; align-items: center; gap: 12px; margin-top: 12px; }

/* Dialog */
dialog.dialog { border: 1px solid var(--border); border-radius: 10px; padding: 22px 24px; max-width: 440px; width: calc(100% - 40px); box-shadow: 0 18px 50px rgba(16, 24, 40, .22); color: var(--text); }
dialog.dialog::backdrop { background: rgba(16, 24, 40, .45); }
dialog.dialog h2 { margin-bottom: 8px; }
dialog.dialog p { color: var(--muted); margin-bottom: 18px; }
dialog.dialog .actions { justify-content: flex-end; }

.spaced { margin-top: 22px; }
hr.sep { border: 0; border-top: 1px solid var(--border); margin: 18px 0 12px; }
.loading { color: var(--muted); padding: 24px 0; }

@media (max-width: 820px) {
  .shell { grid-template-columns: 1fr; }
  .sidebar { border-right: 0; border-bottom: 1px solid var(--border); }
  .content { padding: 20px 16px 40px; }
  .grid-2, .fields-2 { grid-template-columns: 1fr; }
  .checks.inline { grid-auto-flow: row; }
  .card-tools { margin: 0 0 14px; justify-content: flex-start; }
  .brand-sub { display: none; }
}
`;

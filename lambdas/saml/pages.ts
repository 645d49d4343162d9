import type { Config } from '../platform/config.js';
import { escapeHtml, html, type HttpRequest, type HttpResponse } from '../platform/http.js';
import type { CheckOutcome } from './checks/index.js';
import type { RefusalHints } from '../signin/refusals.js';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:.9rem;color:#555}
dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}.fix{background:#f4f6f8;padding:.75rem 1rem;border-radius:.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.passed{color:#0a7d32}.failed{color:#b42318}.skipped{color:#888}.banner{font-size:1.2rem;padding:.75rem 1rem;border-radius:.4rem}
.banner.passed{background:#e7f6ec}.banner.failed{background:#fdecea}code{font-family:ui-monospace,monospace}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function details(rows: readonly (readonly [string, string])[]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** What the test-login report says about the user the assertion maps to. */
export interface MappingPreview {
  readonly ok: boolean;
  readonly text: string;
}

/** Everything the test-login report shows besides the checks. */
export interface TestReport {
  readonly passed: boolean;
  readonly outcomes: readonly CheckOutcome[];
  readonly attributes: Readonly<Record<string, readonly string[]>> | undefined;
  readonly groupPrefix: string | undefined;
  readonly groupsReceived: readonly string[] | undefined;
  readonly groupsKept: readonly string[] | undefined;
  readonly mapping: MappingPreview | undefined;
  /** The connection's SP URLs and preset, which the failed check's fix names. */
  readonly hints: RefusalHints;
}

const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

/**
 * The "Test login" result (seed 001 step 8): a green check when every check passed, else the
 * failing check and its fix; each check's outcome, the attributes received, the groups before and
 * after the prefix filter, and the user the assertion would sign in as. Nothing was signed in.
 */
export function testReportPage(config: Config, report: TestReport, req: HttpRequest, teamId: string): HttpResponse {
  const failed = report.outcomes.find((o) => o.status === 'failed');
  // The fix of the one sign-in catalogue (`signin/refusals.ts`), as the refusal page words it.
  const fix = failed?.error ? failed.error.with({}, report.hints).fix(config) : '';
  const banner = report.passed
    ? `<p class="banner passed">✓ Test login succeeded: SAML is set up correctly.</p>`
    : `<p class="banner failed">✗ Test login failed at “${escapeHtml(failed?.label ?? 'a check')}” (<code>${escapeHtml(failed?.error?.code ?? 'error')}</code>).</p>
<p>${escapeHtml(failed?.error?.message ?? '')}</p>
<h2>How to fix it</h2><p class="fix">${escapeHtml(fix)}</p>`;
  const rows = report.outcomes
    .map(
      (o) =>
        `<tr class="${o.status}" data-check="${escapeHtml(o.name)}" data-status="${o.status}"><td>${MARK[o.status]}</td><td>${escapeHtml(o.label)}</td><td>${escapeHtml(
          o.status === 'failed' ? `${o.error?.code ?? ''}: ${o.detail ?? ''}` : (o.detail ?? 'not run'),
        )}</td></tr>`,
    )
    .join('');
  const attributes = report.attributes
    ? `<h2>Attributes received</h2>${details(Object.entries(report.attributes).map(([k, v]) => [k, v.join(', ')] as const))}`
    : '';
  const groups =
    report.groupsReceived !== undefined
      ? `<h2>Groups</h2>${details([
          ['Received', report.groupsReceived.join(', ') || '(none)'],
          [`After filter ${report.groupPrefix ? `“starts with ${report.groupPrefix}”` : '(no prefix: all kept)'}`, report.groupsKept?.join(', ') || '(none)'],
        ])}`
      : '';
  const mapping = report.mapping
    ? `<h2>Would sign in as</h2><p class="${report.mapping.ok ? 'passed' : 'failed'}" data-mapping="${report.mapping.ok ? 'ok' : 'refused'}">${escapeHtml(report.mapping.text)}</p>`
    : '';
  const body = `<h1>SAML test login</h1>
${banner}
<h2>Checks</h2>
<table><thead><tr><th></th><th>Check</th><th>Outcome</th></tr></thead><tbody>${rows}</tbody></table>
${attributes}${groups}${mapping}
<p>This was a test: no session was created.</p>
${details([
  ['Region', config.REGION_ID.toUpperCase()],
  ['Workspace', teamId],
  ['Request id', req.requestId],
])}`;
  return html(200, page('SAML test login', body), {
    'cache-control': 'no-store',
    'x-idpb-test-login': report.passed ? 'passed' : 'failed',
  });
}

import type { ConnectionTestOutcome } from '../catalog/connection-tester.js';
import type { HealthReport } from '../catalog/health-report.js';
import type { IntegrationPage } from '../catalog/integration-service.js';
import { HEALTH_STATUSES, INTEGRATION_TYPES, type Integration } from '../core/integration.js';
import { hasScope } from '../core/scopes.js';
import type { ConnectionCheck } from '../plugins/contracts.js';
import { type Html, html } from './html.js';
import { badge, csrfField, latency, page, query, type ViewSession, when } from './layout.js';

/** The filters of the list, as the API names them. */
export interface ListFilters {
  readonly q?: string;
  readonly type?: string;
  readonly provider?: string;
  readonly health?: string;
  /** Kept in the paging links when it is not the default. */
  readonly pageSize?: string;
  readonly pageToken?: string;
}

const detailUrl = (integration: Integration) => `/console/integrations/${integration.id}`;

function select(name: string, label: string, options: readonly string[], current: string | undefined): Html {
  return html`<label for="filter-${name}">${label}
<select id="filter-${name}" name="${name}"><option value="">any</option>${options.map(
    (option) =>
      html`<option value="${option}"${option === current ? html` selected` : null}>${option}</option>`,
  )}</select></label>`;
}

/** `GET /console`: the filter form, the table of integrations, paging. */
export function listPage(
  session: ViewSession,
  result: IntegrationPage,
  filters: ListFilters,
  providers: readonly string[],
): string {
  const { pageToken: _page, ...kept } = filters;
  const rows = result.items.map(
    (item) => html`<tr>
<th scope="row"><a href="${detailUrl(item)}">${item.name}</a></th>
<td>${item.type}</td><td>${item.provider}</td><td>${item.enabled ? 'yes' : 'no'}</td><td>${item.status}</td>
<td>${badge(item.health.status)}</td><td>${when(item.health.checkedAt)}</td><td>${latency(item.health.latencyMs)}</td>
</tr>`,
  );
  return page({
    title: 'Integrations',
    session,
    body: html`<h1>Integrations</h1>
<form class="filters" method="get" action="/console" role="search">
<label for="filter-q">Name or owner contains <input id="filter-q" name="q" type="search" value="${filters.q ?? ''}" maxlength="200"></label>
${select('type', 'Type', INTEGRATION_TYPES, filters.type)}
${select('provider', 'Provider', providers, filters.provider)}
${select('health', 'Health', HEALTH_STATUSES, filters.health)}
<button type="submit">Filter</button>
</form>
${
  result.items.length === 0
    ? html`<p class="panel">No integrations match${filters.pageToken ? ' on this page' : ''}.</p>`
    : html`<table>
<caption>Integrations of this tenant</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Provider</th><th scope="col">Enabled</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Last checked</th><th scope="col">Latency</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}
<nav aria-label="Pages">
${filters.pageToken ? html`<a href="/console${query(kept)}">First page</a>` : null}
${result.nextPageToken ? html`<a href="/console${query({ ...kept, pageToken: result.nextPageToken })}" rel="next">Next page</a>` : null}
</nav>`,
  });
}

function checksTable(checks: readonly ConnectionCheck[], caption: string): Html {
  if (checks.length === 0) return html`<p class="muted">No steps were reported.</p>`;
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Check</th><th scope="col">OK</th><th scope="col">Message</th></tr></thead>
<tbody>
${checks.map((check) => html`<tr><th scope="row">${check.name}</th><td>${badge(check.ok ? 'ok' : 'failed')}</td><td>${check.message}</td></tr>`)}
</tbody>
</table>`;
}

function testForm(session: ViewSession, integration: Integration): Html {
  const canWrite = hasScope(session.principal.scopes, 'integrations:write');
  return html`<form method="post" action="${detailUrl(integration)}/test">
${csrfField(session)}
<button type="submit"${canWrite ? null : html` disabled aria-describedby="test-needs-write"`}>Test connection</button>
${canWrite ? null : html`<span id="test-needs-write" class="muted">Testing needs a token with the integrations:write scope.</span>`}
</form>`;
}

/** `GET /console/integrations/:id`: the registration, its health and recent checks, the test button. */
export function detailPage(
  session: ViewSession,
  integration: Integration,
  report: HealthReport,
  offersRegistry: boolean,
): string {
  const { health } = report;
  return page({
    title: integration.name,
    session,
    body: html`<p><a href="/console">All integrations</a></p>
<h1>${integration.name}</h1>
${testForm(session, integration)}
${offersRegistry ? html`<p><a href="${detailUrl(integration)}/registry">Browse the registry</a></p>` : null}
<h2>Registration</h2>
<dl>
<dt>ID</dt><dd><code>${integration.id}</code></dd>
<dt>Type</dt><dd>${integration.type}</dd>
<dt>Provider</dt><dd>${integration.provider}</dd>
<dt>Endpoint</dt><dd><code>${integration.endpoint}</code></dd>
<dt>Credentials</dt><dd>${integration.authRef ? html`<code>${integration.authRef}</code> <span class="muted">(a reference; the secret is never shown)</span>` : 'none'}</dd>
<dt>Tags</dt><dd>${integration.tags.length > 0 ? integration.tags.join(', ') : '—'}</dd>
<dt>Owner</dt><dd>${integration.owner ?? '—'}</dd>
<dt>Enabled</dt><dd>${integration.enabled ? 'yes' : 'no'}</dd>
<dt>Status</dt><dd>${integration.status}</dd>
<dt>Poll interval</dt><dd>${integration.pollIntervalSeconds === null ? 'service default' : `${integration.pollIntervalSeconds} s`}</dd>
<dt>Created</dt><dd>${when(integration.createdAt)} by ${integration.createdBy}</dd>
<dt>Updated</dt><dd>${when(integration.updatedAt)} by ${integration.updatedBy} (version ${integration.version})</dd>
</dl>
<h2>Config</h2>
<pre>${JSON.stringify(integration.config, null, 2)}</pre>
<h2>Health</h2>
<dl>
<dt>Health</dt><dd>${badge(health.status)}</dd>
<dt>Last checked</dt><dd>${when(health.checkedAt)}</dd>
<dt>Latency</dt><dd>${latency(health.latencyMs)}</dd>
<dt>Message</dt><dd>${health.message ?? '—'}</dd>
<dt>Next check</dt><dd>${when(report.nextCheckAt)}</dd>
<dt>Consecutive failures / successes</dt><dd>${report.consecutiveFailures} / ${report.consecutiveSuccesses}</dd>
</dl>
<h2>Recent checks</h2>
${
  report.history.length === 0
    ? html`<p class="muted">No checks yet.</p>`
    : html`<table>
<caption>Recent health checks and connection tests, newest first</caption>
<thead><tr><th scope="col">Checked</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Message</th><th scope="col">Steps</th></tr></thead>
<tbody>
${report.history.map(
  (
    check,
  ) => html`<tr><th scope="row">${when(check.checkedAt)}</th><td>${check.kind}</td><td>${badge(check.status)}</td><td>${latency(check.latencyMs)}</td><td>${check.message}</td>
<td>${(check.checks ?? []).map((step) => `${step.name}: ${step.ok ? 'ok' : 'failed'}`).join(', ') || '—'}</td></tr>`,
)}
</tbody>
</table>`
}`,
  });
}

/** `POST /console/integrations/:id/test`: what the test found, step by step. */
export function testResultPage(
  session: ViewSession,
  integration: Integration,
  outcome: ConnectionTestOutcome,
): string {
  return page({
    title: `Test of ${integration.name}`,
    session,
    body: html`<p><a href="${detailUrl(integration)}">Back to ${integration.name}</a></p>
<h1>Connection test of ${integration.name}</h1>
<div class="panel ${outcome.success ? '' : 'error'}" role="status">
<p>Result: ${badge(outcome.success ? 'ok' : 'failed')} ${outcome.success ? 'the connection works' : 'the connection failed'}</p>
<p>Message: ${outcome.message}</p>
<p>Latency: ${latency(outcome.latencyMs)} · checked ${when(outcome.checkedAt)}</p>
${outcome.skippedOffline ? html`<p>The service runs offline: nothing was tried.</p>` : null}
</div>
${checksTable(outcome.checks, 'Steps of the test')}`,
  });
}

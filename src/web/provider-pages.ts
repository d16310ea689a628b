import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './console.js';
import { html } from './html.js';
import { badge, HTML, page } from './layout.js';

/** `GET /console/providers`: the loaded provider plugins, and those that failed to load. */
export function providerPages(app: FastifyInstance, context: ConsoleContext): void {
  const { plugins } = context.deps;

  app.get(
    '/providers',
    { schema: { hide: true }, config: { scope: 'integrations:read' } },
    async (request, reply) => {
      const session = context.session(request);
      const failures = plugins.failures();
      const body = html`<h1>Providers</h1>
<table>
<caption>Provider plugins loaded in this instance</caption>
<thead><tr><th scope="col">Provider</th><th scope="col">Name</th><th scope="col">Types</th><th scope="col">Capabilities</th><th scope="col">Available</th><th scope="col">Source</th></tr></thead>
<tbody>
${plugins.list().map(
  ({
    plugin,
    availability,
    source,
  }) => html`<tr><th scope="row"><code>${plugin.provider}</code></th><td>${plugin.displayName}</td>
<td>${plugin.types.join(', ')}</td><td>${plugin.capabilities.join(', ')}</td>
<td>${availability.available ? badge('ok') : html`${badge('failed')} ${availability.reason ?? 'no reason given'}`}</td><td>${source}</td></tr>`,
)}
</tbody>
</table>
${
  failures.length === 0
    ? null
    : html`<table>
<caption>Plugins that failed to load</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Reason</th></tr></thead>
<tbody>
${failures.map((failure) => html`<tr><th scope="row">${failure.source}</th><td>${failure.reason}</td></tr>`)}
</tbody>
</table>`
}`;
      return reply.type(HTML).send(page({ title: 'Providers', session, body }));
    },
  );
}

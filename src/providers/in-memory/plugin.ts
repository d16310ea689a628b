import {
  CAPABILITIES,
  type ConnectorPlugin,
  type HealthCheckResult,
  type PluginContext,
  type RecordedScm,
  type RegistryConnector,
  type ScmAnnotationClient,
  type ScmInspector,
} from '../../plugins/contracts.js';
import { type InMemoryConfig, InMemoryConfigSchema } from './config.js';
import { createInMemoryRegistry } from './registry-connector.js';
import { createInMemoryScmClient, emptyScmState, type InMemoryScmState } from './scm-client.js';

/** The in-memory plugin, plus a way for tests to see what its SCM received. */
export interface InMemoryPlugin extends ConnectorPlugin<InMemoryConfig>, ScmInspector<InMemoryConfig> {
  scm(context: PluginContext<InMemoryConfig>): ScmAnnotationClient;
  registry(context: PluginContext<InMemoryConfig>): RegistryConnector;
  /** What was posted to the SCM of one integration (keyed by id, or by name before it is saved). */
  scmState(integrationKey: string): InMemoryScmState;
}

const SLOW_MS = 5_000;

/**
 * A provider that talks to nothing: scriptable health (healthy, degraded, failing, slow), an SCM that
 * records comments, statuses, check runs and inline comments, and a registry of configured images. For tests and demos.
 *
 * @example
 * const plugin = createInMemoryPlugin();
 * // register an integration with provider 'in_memory' and config { health: 'degraded' }
 */
export function createInMemoryPlugin(): InMemoryPlugin {
  const scmStates = new Map<string, InMemoryScmState>();
  const stateFor = (key: string): InMemoryScmState => {
    let state = scmStates.get(key);
    if (!state) {
      state = emptyScmState();
      scmStates.set(key, state);
    }
    return state;
  };
  const keyOf = (context: PluginContext<InMemoryConfig>) =>
    context.integration.id ?? `name:${context.integration.name}`;

  async function scriptedHealth(context: PluginContext<InMemoryConfig>): Promise<HealthCheckResult> {
    const { health, delayMs, message } = context.integration.config;
    await sleep(health === 'slow' ? Math.max(delayMs, SLOW_MS) : delayMs, context.signal);
    switch (health) {
      case 'healthy':
      case 'slow':
        return { status: 'healthy', message: message ?? 'in-memory connection is healthy' };
      case 'degraded':
        return { status: 'degraded', message: message ?? 'in-memory connection is degraded (scripted)' };
      case 'failing':
        return { status: 'unhealthy', message: message ?? 'in-memory connection is failing (scripted)' };
    }
  }

  return {
    provider: 'in_memory',
    displayName: 'In-memory (tests and demos)',
    types: ['scm', 'registry'],
    configSchema: InMemoryConfigSchema,
    // It can do everything a provider can: that is what it is for.
    capabilities: CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    async testConnection(context) {
      const health = await scriptedHealth(context);
      const reachable = health.status !== 'unhealthy';
      return {
        success: reachable,
        message: health.message,
        checks: [
          { name: 'reachable', ok: reachable, message: reachable ? 'answered' : health.message },
          {
            name: 'authenticated',
            ok: reachable,
            message: reachable ? 'no credentials needed' : 'not checked',
          },
        ],
      };
    },
    checkHealth: scriptedHealth,
    scm: (context) => createInMemoryScmClient(stateFor(keyOf(context)), context.integration.config),
    registry: (context) => createInMemoryRegistry(context.integration.config),
    scmState: stateFor,
    inspectScm: (context) => snapshot(stateFor(keyOf(context))),
  };
}

/** A plain copy of the recorded state, safe to serialise and unaffected by later writes. */
function snapshot(state: InMemoryScmState): RecordedScm {
  return {
    comments: state.comments.map(({ id, pullRequest, body, updates }) => ({
      id,
      pullRequest,
      body,
      updates,
    })),
    statuses: state.statuses.map((status, index) => ({ ...status, id: String(index + 1) })),
    checkRuns: state.checkRuns.map((run) => structuredClone(run)),
    inlineComments: state.inlineComments.map((comment) => ({ ...comment })),
    writes: state.writes,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

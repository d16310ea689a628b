import { HttpError } from '../../net/index.js';
import type { HealthCheckResult } from '../../plugins/contracts.js';
import { RegistryProtocolError } from '../oci/index.js';
import { type HarborApi, jsonOf, objectsOf } from './api.js';

/**
 * Harbor's component health (`GET /api/v2.0/health`, no authentication): always HTTP 200, with
 * `status` `healthy` only when every component is, and `components[]` each `healthy` or `unhealthy`
 * with an `error`. Harbor checks each component with a 60 s timeout, so the answer can take a minute.
 * https://github.com/goharbor/harbor/blob/main/src/controller/health/controller.go
 */

/** Without these Harbor serves nothing: the API, its database, the registry. */
export const CRITICAL_COMPONENTS: ReadonlySet<string> = new Set(['core', 'database', 'registry']);

/** Budget of the health call: above Harbor's own 60 s per-component timeout. */
export const HEALTH_TIMEOUT_MS = 70_000;

export interface ComponentsReading {
  readonly status: HealthCheckResult['status'];
  readonly message: string;
}

/**
 * What Harbor's health answer means for us: a critical component down is `unhealthy`; only others
 * down (jobservice, redis, trivy, portal…) is `degraded` (Harbor itself says `unhealthy` then, but
 * pulls and listings still work); `unhealthy` without a component named is `unhealthy`.
 */
export function readComponents(body: unknown): ComponentsReading {
  const what = 'GET /api/v2.0/health';
  const status = (body as { status?: unknown } | null)?.status;
  const list = (body as { components?: unknown } | null)?.components;
  if (typeof status !== 'string' || (list !== undefined && list !== null && !Array.isArray(list)))
    throw new RegistryProtocolError(`Harbor's ${what} answered no overall status`);
  const components = list ? objectsOf(list, what) : [];
  const down = components.filter((component) => component.status !== 'healthy');
  const named = down.map((component) => {
    const error = typeof component.error === 'string' && component.error ? `: ${component.error}` : '';
    return `${String(component.name)}${error.slice(0, 160)}`;
  });
  const critical = down.filter((component) => CRITICAL_COMPONENTS.has(String(component.name)));
  if (critical.length > 0 || (status !== 'healthy' && down.length === 0))
    return {
      status: 'unhealthy',
      message: down.length ? `unhealthy components: ${named.join('; ')}` : `Harbor reports itself ${status}`,
    };
  if (down.length > 0) return { status: 'degraded', message: `unhealthy components: ${named.join('; ')}` };
  return { status: 'healthy', message: `all ${components.length} components are healthy` };
}

/** Health: the components, and read-only mode (`/systeminfo`), which makes a healthy Harbor degraded. */
export async function checkHealth(api: HarborApi): Promise<HealthCheckResult> {
  let reading: ComponentsReading;
  try {
    const response = await api.get('health', { operation: 'health', timeoutMs: HEALTH_TIMEOUT_MS });
    reading = readComponents(jsonOf(response, 'GET /api/v2.0/health'));
  } catch (error) {
    if (error instanceof HttpError && (error.code === 'timeout' || error.code === 'aborted'))
      return {
        status: 'degraded',
        message: `Harbor's component checks did not answer in time (Harbor waits up to 60 s for each component): ${error.message}`,
      };
    throw error;
  }
  if (reading.status === 'unhealthy') return reading;
  const info = await api.get('systeminfo', { operation: 'system_info' });
  const readOnly = (jsonOf(info, 'GET /api/v2.0/systeminfo') as { read_only?: unknown } | null)?.read_only;
  if (readOnly === true)
    return {
      status: 'degraded',
      message: `Harbor is in read-only mode (pushes and deletions are refused); ${reading.message}`,
    };
  return reading;
}

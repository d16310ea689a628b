import { createIdGenerator } from '../../src/core/ids.js';
import { type Integration, UNKNOWN_HEALTH } from '../../src/core/integration.js';

const newId = createIdGenerator();

/**
 * A complete integration of tenant `acme` with a fresh id and name, for repository tests that write
 * rows directly; `overrides` replace fields.
 */
export function sampleIntegration(overrides: Partial<Integration> = {}): Integration {
  const at = new Date('2026-01-02T03:04:05.678Z').toISOString();
  return {
    id: newId(),
    tenantId: 'acme',
    name: `i-${newId().slice(-8)}`,
    type: 'scm',
    provider: 'in_memory',
    endpoint: 'https://scm.example.com',
    authRef: null,
    config: { health: 'healthy', nested: { list: [1, 2] } },
    tags: ['prod', 'team:a'],
    owner: 'Team A',
    enabled: true,
    status: 'pending',
    health: UNKNOWN_HEALTH,
    pollIntervalSeconds: null,
    version: 1,
    createdAt: at,
    createdBy: 'token:test',
    updatedAt: at,
    updatedBy: 'token:test',
    ...overrides,
  };
}

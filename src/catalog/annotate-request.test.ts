import { describe, expect, it } from 'vitest';
import { finding, report, SHA } from '../api/annotate.test-kit.js';
import { InvalidInputError } from '../core/errors.js';
import type { ScmCheckRunRequest } from '../plugins/contracts.js';
import { defaultMarkerKey, prepareAnnotation } from './annotate-request.js';
import { platformOf, type ScmTarget } from './scm-target.js';

const target = (extra: Partial<ScmTarget> = {}) =>
  ({
    integration: { id: 'i', tenantId: 't', name: 'n', provider: 'x', type: 'scm' },
    platform: 'generic',
    operations: ['comment', 'status', 'checkRun'],
    ...extra,
  }) as unknown as ScmTarget;
const request = { owner: 'acme', repository: 'shop', pullRequestNumber: 1, commitSha: SHA.toUpperCase() };

describe('prepareAnnotation', () => {
  it('builds the three requests in order, SHA in lower case, the comment marked', () => {
    const prepared = prepareAnnotation({ ...request, findings: report([finding()]) }, target());

    expect(prepared.payloads.map((p) => p.operation)).toEqual(['comment', 'status', 'checkRun']);
    expect(prepared.commitSha).toBe(SHA);
    expect(prepared.payloads[0]!.request).toMatchObject({ pullRequestNumber: 1, updateExisting: true });
    expect((prepared.payloads[0]!.request as { body: string }).body).toMatch(
      /^<!-- integrations-catalog:annotation key=security\/scan -->\n/,
    );
  });

  it('takes the integration defaults for level mapping and check run name; the request wins', () => {
    const defaults = target({ levelMapping: { high: 'notice' }, checkRunName: 'Org scan' });

    const byIntegration = prepareAnnotation({ ...request, findings: report([finding()]) }, defaults);
    const byRequest = prepareAnnotation(
      { ...request, findings: report([finding()]), levelMapping: { high: 'warning' }, checkRunName: 'Mine' },
      defaults,
    );

    const run = (p: typeof byIntegration) =>
      p.payloads[2]!.request as ScmCheckRunRequest & { annotations: any[] };
    expect([run(byIntegration).name, run(byIntegration).annotations[0].annotationLevel]).toEqual([
      'Org scan',
      'notice',
    ]);
    expect([run(byRequest).name, run(byRequest).annotations[0].annotationLevel]).toEqual(['Mine', 'warning']);
  });

  it('offers only the operations the provider declares, and refuses the others by name', () => {
    const statusOnly = target({ operations: ['status'] });

    const prepared = prepareAnnotation({ ...request, findings: report([]) }, statusOnly);
    const refused = () =>
      prepareAnnotation({ ...request, operations: ['checkRun'], findings: report([]) }, statusOnly);

    expect(prepared.payloads.map((p) => p.operation)).toEqual(['status']);
    expect(refused).toThrow(InvalidInputError);
    expect(refused).toThrow(/scm\.check_run/);
  });

  it('derives the marker key from the context, and maps providers to platforms', () => {
    expect(defaultMarkerKey('security/trivy')).toBe('security/trivy');
    expect(defaultMarkerKey('Trivy (images)')).toMatch(/^Trivy-images-[0-9a-f]{12}$/);
    expect(defaultMarkerKey('Trivy (images)')).not.toBe(defaultMarkerKey('Trivy [images]'));
    expect(defaultMarkerKey('———')).toMatch(/^context-[0-9a-f]{12}$/);
    expect(['github_app', 'gitlab', 'in_memory'].map(platformOf)).toEqual(['github', 'gitlab', 'generic']);
  });
});

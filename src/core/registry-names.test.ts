import { describe, expect, it } from 'vitest';
import { isDigest, isReference, isRepositoryName, isTag, REPOSITORY_NAME } from './registry-names.js';

describe('registry names', () => {
  it('accepts repository names of the distribution grammar', () => {
    const names = ['nginx', 'library/nginx', 'a.b_c__d---e/f-g', 'gcr/project/team/app1', 'x'.repeat(255)];

    expect(names.filter((name) => !isRepositoryName(name))).toEqual([]);
  });

  it('refuses repository names outside the grammar or over 255 characters', () => {
    const names = [
      '',
      'Library/nginx',
      '/nginx',
      'nginx/',
      'a//b',
      'a..b',
      '../etc',
      'a___b',
      '-a',
      'a-',
      'a.',
      '_a',
      'a b',
      'a:latest',
      'x'.repeat(256),
    ];

    expect(names.filter((name) => isRepositoryName(name))).toEqual([]);
  });

  it('accepts tags and lowercase sha256 and sha512 digests as references', () => {
    const references = [
      'latest',
      '1.27-alpine',
      '_under',
      'V1',
      'a'.repeat(128),
      `sha256:${'0123456789abcdef'.repeat(4)}`,
      `sha512:${'f'.repeat(128)}`,
    ];

    expect(references.filter((reference) => !isReference(reference))).toEqual([]);
    expect(isTag('1.27')).toBe(true);
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest('latest')).toBe(false);
  });

  it('refuses malformed tags and digests', () => {
    const references = [
      '',
      '.hidden',
      '-dash',
      'a'.repeat(129),
      'tag/with/slash',
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'A'.repeat(64)}`,
      `sha512:${'a'.repeat(64)}`,
      `md5:${'a'.repeat(32)}`,
      `sha256:${'a'.repeat(64)}\n`,
    ];

    expect(references.filter((reference) => isReference(reference))).toEqual([]);
  });

  it('answers quickly for long hostile input', () => {
    const started = performance.now();

    REPOSITORY_NAME.test(`${'a-'.repeat(5_000)}!`);
    REPOSITORY_NAME.test(`${'a'.repeat(10_000)}/${'b.'.repeat(5_000)}`);
    isReference(`${'a'.repeat(10_000)}!`);

    expect(performance.now() - started).toBeLessThan(100);
  });
});

import { describe, expect, it } from 'vitest';
import { describeQuayAnswer, quayErrorOf } from './errors.js';

const answer = (status: number, body: unknown) => ({
  status,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe("Quay's API error words", () => {
  it('reads error_type and detail from an ApiError', () => {
    const body = {
      detail: 'Unauthorized',
      error_message: 'Unauthorized',
      error_type: 'insufficient_scope',
      title: 'insufficient_scope',
      type: 'https://quay.io/api/v1/error/insufficient_scope',
      status: 403,
    };

    expect(describeQuayAnswer(answer(403, body))).toBe('HTTP 403 (insufficient_scope: Unauthorized)');
  });

  it('falls back to title and error_message (older Quay) and keeps at most 200 characters of each', () => {
    const words = quayErrorOf(
      Buffer.from(JSON.stringify({ title: 'not_found', error_message: 'x'.repeat(500) })),
    );

    expect(words.type).toBe('not_found');
    expect(words.detail).toHaveLength(200);
  });

  it.each([
    ['HTML', '<html>oops</html>'],
    ['JSON null', 'null'],
    ['an empty body', ''],
    ['fields that are not strings', { error_type: 7, detail: ['a'] }],
  ])('says only the status for %s', (_name, body) => {
    expect(describeQuayAnswer(answer(502, body))).toBe('HTTP 502');
  });
});

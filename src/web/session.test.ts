import { describe, expect, it } from 'vitest';
import { createCsrfTokens } from './session.js';

describe('CSRF tokens', () => {
  it('accepts the token of the session and nothing else', () => {
    const csrf = createCsrfTokens();
    const token = csrf.issue('intg_session-one');

    expect(csrf.verify('intg_session-one', token)).toBe(true);
    expect(csrf.verify('intg_session-two', token)).toBe(false);
    expect(csrf.verify('intg_session-one', `${token}x`)).toBe(false);
    expect(csrf.verify('intg_session-one', '')).toBe(false);
    expect(csrf.verify('intg_session-one', undefined)).toBe(false);
    expect(csrf.verify('intg_session-one', [token])).toBe(false);
  });

  it('is the same in every instance, so a form may be posted to another one', () => {
    expect(createCsrfTokens().verify('intg_session', createCsrfTokens().issue('intg_session'))).toBe(true);
  });

  it('does not contain the session token', () => {
    const session = 'intg_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    expect(createCsrfTokens().issue(session)).not.toContain('abcdefghij');
  });
});

import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.js';

describe('html', () => {
  it('escapes every interpolation, in content and in attributes', () => {
    const name = '<script>alert(1)</script>';
    const attribute = '" onmouseover="alert(1)';

    const markup = html`<a title="${attribute}">${name}</a>`.toString();

    expect(markup).toBe(
      '<a title="&quot; onmouseover=&quot;alert(1)">&lt;script&gt;alert(1)&lt;/script&gt;</a>',
    );
  });

  it('escapes the five characters of HTML and the backtick', () => {
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
  });

  it('nests fragments without escaping them twice, joins lists and drops empty values', () => {
    const items = ['a&b', '<i>'];

    const markup = html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>${null}${undefined}${false}${0}`;

    expect(markup.toString()).toBe('<ul><li>a&amp;b</li><li>&lt;i&gt;</li></ul>0');
  });

  it('passes trusted markup marked with raw as it is', () => {
    expect(html`<p>${raw('<br>')}</p>`.toString()).toBe('<p><br></p>');
  });

  it('does not treat a string that looks like a fragment as one', () => {
    const fake = { toString: () => '<b>' } as unknown as string;

    expect(html`${fake}`.toString()).toBe('&lt;b&gt;');
  });
});

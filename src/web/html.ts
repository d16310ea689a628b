/**
 * HTML for the console, escaped by construction: `html` is a tagged template that escapes every
 * interpolated value unless it is already `Html` (made by `html` itself or by `raw`). Arrays are joined,
 * `null`, `undefined` and `false` render as nothing, so conditionals and lists need no helper.
 *
 * @example
 * html`<td>${integration.name}</td>`; // `<script>` in a name becomes `&lt;script&gt;`
 * html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`;
 */

/** A fragment of markup that is already safe to put in a page. */
export class Html {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

/** What may be interpolated: text (escaped), numbers, fragments, lists of these, or nothing. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ENTITIES[char]!);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** The tagged template: literal parts are trusted (they are our source code), values are escaped. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let markup = strings[0]!;
  for (let index = 0; index < values.length; index++) {
    markup += render(values[index]!) + strings[index + 1]!;
  }
  return new Html(markup);
}

/**
 * Marks trusted markup as safe. Only for constants of our own (never for anything read from a
 * request, the database or a provider).
 */
export function raw(markup: string): Html {
  return new Html(markup);
}

import { INPUT_LIMITS } from '../limits.js';
import { type JsonObject, ownArray, ownObject, ownString } from './json.js';

/**
 * The text of a SARIF `message`: `text`, else `markdown`, else the string its `id` names in the rule's
 * `messageStrings` or the driver's `globalMessageStrings` (SARIF 2.1.0 §3.11.7), with `{0}`-style
 * placeholders filled from `arguments`. Filling stops at the message limit, so a short template with
 * large arguments cannot blow up.
 */

/**
 * The message of `result`, or undefined when it has none that can be read.
 *
 * @example
 * resultMessage({ message: { id: 'default', arguments: ['x'] } }, rule, driver); // 'Unused variable x.'
 */
export function resultMessage(
  result: JsonObject,
  rule: JsonObject | undefined,
  component: JsonObject | undefined,
): string | undefined {
  const message = ownObject(result, 'message');
  if (message === undefined) return undefined;
  const template =
    ownString(message, 'text') ?? ownString(message, 'markdown') ?? lookup(message, rule, component);
  if (template === undefined) return undefined;
  const args = ownArray(message, 'arguments');
  return args === undefined || args.length === 0 ? template : fill(template, args);
}

function lookup(
  message: JsonObject,
  rule: JsonObject | undefined,
  component: JsonObject | undefined,
): string | undefined {
  const id = ownString(message, 'id');
  if (id === undefined) return undefined;
  for (const strings of [ownObject(rule, 'messageStrings'), ownObject(component, 'globalMessageStrings')]) {
    const entry = ownObject(strings, id);
    const text = ownString(entry, 'text') ?? ownString(entry, 'markdown');
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Replaces `{n}` with `args[n]` (strings only), stopping just past the message limit. */
function fill(template: string, args: readonly unknown[]): string {
  const cap = INPUT_LIMITS.maxMessageLength + 1;
  const placeholder = /\{(\d{1,4})\}/g;
  let out = '';
  let last = 0;
  for (let match = placeholder.exec(template); match !== null; match = placeholder.exec(template)) {
    const value = args[Number(match[1])];
    out += template.slice(last, match.index) + (typeof value === 'string' ? value : match[0]);
    last = match.index + match[0].length;
    if (out.length >= cap) return out.slice(0, cap);
  }
  return (out + template.slice(last)).slice(0, cap);
}

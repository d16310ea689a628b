import {
  isObject,
  type JsonObject,
  objectAt,
  own,
  ownArray,
  ownInteger,
  ownObject,
  ownString,
} from './json.js';

/**
 * Finds the rule (`reportingDescriptor`) a result refers to. Rules live in `tool.driver.rules` or in
 * `tool.extensions[].rules` (CodeQL query packs); a result names its rule by `ruleIndex` or
 * `rule.index`, by `ruleId` or `rule.id`, and picks an extension with `rule.toolComponent`
 * (`index` into `extensions`, or `name`). A dangling index (CodeQL's fingerprinting test input points
 * `ruleIndex: 0` at an empty array) falls back to the id.
 */

interface Component {
  readonly object: JsonObject | undefined;
  readonly rules: readonly unknown[];
  byId?: Map<string, JsonObject>;
}

export interface RuleLookup {
  /** The result's rule id (from the result, else from the rule found), if any. */
  readonly ruleId: string | undefined;
  readonly rule: JsonObject | undefined;
  /** The tool component holding the rule: driver or extension. */
  readonly component: JsonObject | undefined;
}

export interface RuleIndex {
  /**
   * The rule of `result`. The returned object is reused by the next call (one lookup per result of a
   * large log allocates nothing): read it before calling again.
   */
  find(result: JsonObject): RuleLookup;
  readonly driver: JsonObject | undefined;
}

/** Indexes one run's rules; id maps are built on first use. */
export function createRuleIndex(run: JsonObject): RuleIndex {
  const tool = ownObject(run, 'tool');
  const driver = ownObject(tool, 'driver');
  const extensions = ownArray(tool, 'extensions') ?? [];
  const components: Component[] = [component(driver)];
  for (let i = 0; i < extensions.length; i++) components.push(component(objectAt(extensions, i)));
  const lookup: {
    ruleId: string | undefined;
    rule: JsonObject | undefined;
    component: JsonObject | undefined;
  } = {
    ruleId: undefined,
    rule: undefined,
    component: undefined,
  };
  const answer = (
    ruleId: string | undefined,
    rule: JsonObject | undefined,
    holder: Component,
  ): RuleLookup => {
    lookup.ruleId = ruleId;
    lookup.rule = rule;
    lookup.component = holder.object;
    return lookup;
  };

  const find = (result: JsonObject): RuleLookup => {
    const reference = ownObject(result, 'rule');
    const id = ownString(result, 'ruleId') ?? ownString(reference, 'id');
    const primary = selectComponent(components, ownObject(reference, 'toolComponent'));
    const index = ownInteger(reference, 'index') ?? ownInteger(result, 'ruleIndex');
    if (index !== undefined) {
      const rule = objectAt(primary.rules, index);
      if (rule !== undefined && matches(ownString(rule, 'id'), id))
        return answer(id ?? ownString(rule, 'id'), rule, primary);
    }
    if (id !== undefined) {
      const rule = lookupId(primary, id);
      if (rule !== undefined) return answer(id, rule, primary);
      for (const candidate of components) {
        const other = candidate === primary ? undefined : lookupId(candidate, id);
        if (other !== undefined) return answer(id, other, candidate);
      }
    }
    return answer(id, undefined, primary);
  };
  return { find, driver };
}

function component(object: JsonObject | undefined): Component {
  return { object, rules: ownArray(object, 'rules') ?? [] };
}

/** The component a `toolComponent` reference points at; the driver when there is none. */
function selectComponent(components: readonly Component[], reference: JsonObject | undefined): Component {
  const driver = components[0] as Component;
  if (reference === undefined) return driver;
  const index = ownInteger(reference, 'index');
  if (index !== undefined) return components[index + 1] ?? driver;
  const name = ownString(reference, 'name');
  if (name === undefined) return driver;
  return components.find((candidate) => ownString(candidate.object, 'name') === name) ?? driver;
}

/** True when a rule's id agrees with the result's (also for hierarchical ids such as `CA1000/sub`). */
function matches(ruleId: string | undefined, resultId: string | undefined): boolean {
  return (
    resultId === undefined || ruleId === undefined || ruleId === resultId || resultId.startsWith(`${ruleId}/`)
  );
}

function lookupId(candidate: Component, id: string): JsonObject | undefined {
  if (candidate.byId === undefined) {
    const byId = new Map<string, JsonObject>();
    for (const rule of candidate.rules) {
      const ruleId = isObject(rule) ? own(rule, 'id') : undefined;
      if (isObject(rule) && typeof ruleId === 'string' && !byId.has(ruleId)) byId.set(ruleId, rule);
    }
    candidate.byId = byId;
  }
  const exact = candidate.byId.get(id);
  if (exact !== undefined) return exact;
  const slash = id.indexOf('/');
  return slash > 0 ? candidate.byId.get(id.slice(0, slash)) : undefined;
}

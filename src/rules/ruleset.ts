/**
 * A rule set arrives in one of three forms, all resolved to a list of fully-defaulted specs:
 *   - the guide's flat object      { "max_drawdown_percent": 10, "profit_target_percent": 10 }
 *   - the list form                [ { "type": "max_loss", "pct": 10, … }, … ]
 *   - a preset with overrides      { "preset": "ftmo-2step", "overrides": { "daily_loss": { "pct": 4 } } }
 * Presets are versioned data files in presets/ (`name` is the latest version, `name@1` pins one).
 */
import { z } from 'zod';
import { type FlatRules, flatRulesSchema, flatRulesToSpecs } from './flat.ts';
import apexIntraday from './presets/apex-intraday.v1.json' with { type: 'json' };
import e8One from './presets/e8-one.v1.json' with { type: 'json' };
import ftmo1Step from './presets/ftmo-1step.v1.json' with { type: 'json' };
import ftmo2Step from './presets/ftmo-2step.v1.json' with { type: 'json' };
import the5ersHighStakes from './presets/the5ers-high-stakes.v1.json' with { type: 'json' };
import topstep50k from './presets/topstep-50k.v1.json' with { type: 'json' };
import { type RuleSpec, ruleSpecSchema } from './registry.ts';

interface PresetFile {
  name: string;
  version: number;
  title: string;
  source: string;
  rules: Array<Record<string, unknown>>;
}

const PRESETS: readonly PresetFile[] = [ftmo2Step, ftmo1Step, the5ersHighStakes, topstep50k, apexIntraday, e8One];

function findPreset(ref: string): PresetFile | undefined {
  const [name, version] = ref.split('@');
  const candidates = PRESETS.filter((p) => p.name === name && (version === undefined || String(p.version) === version));
  return candidates.sort((a, b) => b.version - a.version)[0];
}

export interface RuleSetIssue {
  /** Dotted path inside the rule set, e.g. `1.pct` or `max_drawdown_percent`. */
  path: string;
  message: string;
}

export class RuleSetError extends Error {
  constructor(readonly issues: RuleSetIssue[]) {
    super(issues.map((i) => `${i.path || 'rules'}: ${i.message}`).join('; '));
  }
}

const presetRefSchema = z
  .object({
    preset: z.string().min(1),
    /** Per rule type, the parameters to change, e.g. { "max_loss": { "pct": 8 } }. */
    overrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .strict();

function issuesOf(err: z.ZodError, prefix: (string | number)[] = []): RuleSetIssue[] {
  return err.issues.flatMap((i) => {
    const base = [...prefix, ...i.path].map(String).join('.');
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: base ? `${base}.${k}` : k, message: 'is not a known field' }));
    return [{ path: base, message: i.message }];
  });
}

function parseList(list: unknown[], pathPrefix: (string | number)[] = []): RuleSpec[] {
  const issues: RuleSetIssue[] = [];
  const specs: RuleSpec[] = [];
  list.forEach((item, i) => {
    const r = ruleSpecSchema.safeParse(item);
    if (r.success) specs.push(r.data as RuleSpec);
    else issues.push(...issuesOf(r.error, [...pathPrefix, i]));
  });
  if (issues.length) throw new RuleSetError(issues);
  if (specs.length === 0) throw new RuleSetError([{ path: '', message: 'must contain at least one rule' }]);
  return specs;
}

/** Resolves any accepted form to specs; `firmDefaults` fill the fields a flat object omits. Throws RuleSetError. */
export function resolveRuleSet(input: unknown, firmDefaults: FlatRules = {}): RuleSpec[] {
  if (input === undefined || input === null) return flatRulesToSpecs({}, firmDefaults);
  if (Array.isArray(input)) return parseList(input);
  if (typeof input !== 'object')
    throw new RuleSetError([
      { path: '', message: 'must be an object of flat rules, a list of rules, or a preset reference' },
    ]);
  if ('preset' in input) {
    const ref = presetRefSchema.safeParse(input);
    if (!ref.success) throw new RuleSetError(issuesOf(ref.error));
    const preset = findPreset(ref.data.preset);
    if (!preset)
      throw new RuleSetError([
        { path: 'preset', message: `unknown preset; known: ${[...new Set(PRESETS.map((p) => p.name))].join(', ')}` },
      ]);
    const unknownTypes = Object.keys(ref.data.overrides).filter((t) => !preset.rules.some((r) => r.type === t));
    if (unknownTypes.length)
      throw new RuleSetError(
        unknownTypes.map((t) => ({ path: `overrides.${t}`, message: `preset ${preset.name} has no ${t} rule` })),
      );
    return parseList(preset.rules.map((r) => ({ ...r, ...(ref.data.overrides[r.type as string] ?? {}) })));
  }
  const flat = flatRulesSchema.safeParse(input);
  if (!flat.success) throw new RuleSetError(issuesOf(flat.error));
  return flatRulesToSpecs(flat.data, firmDefaults);
}

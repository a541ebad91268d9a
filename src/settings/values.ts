import { SETTING_SCHEMAS, type SettingKey } from './schema.generated.js';

/** What decides a setting's values, from its JSON schema in package.json (via the generated module). */
export interface SettingSchema {
  readonly type: 'integer' | 'number' | 'boolean' | 'string' | 'object';
  readonly default: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
}

export function settingSchema(key: SettingKey): SettingSchema {
  return SETTING_SCHEMAS[key];
}

/**
 * A value from settings.json, which can hold anything, as the setting's schema allows it: a number of the right
 * kind is clamped into its range, a map keeps its boolean entries, and anything else not allowed is the default.
 */
export function settingValue(key: SettingKey, raw: unknown): unknown {
  const schema = settingSchema(key);
  if (isNumeric(schema))
    return isNumberOfKind(schema, raw) ? Math.min(upper(schema), Math.max(lower(schema), raw)) : schema.default;
  // A copy: the schema's own default must not be changed through a snapshot.
  if (schema.type === 'object') return isRecord(raw) ? booleanEntries(raw) : { ...(schema.default as object) };
  return isAllowed(schema, raw) ? raw : schema.default;
}

/** The only maps among the settings are switches per name (inline.languages), so their other entries are dropped. */
function booleanEntries(map: Record<string, unknown>): Record<string, boolean> {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
}

/** Whether a value is one the schema allows as it is, nothing clamped or dropped (the settings page must send such). */
export function isValidSetting(key: SettingKey, value: unknown): boolean {
  const schema = settingSchema(key);
  if (isNumeric(schema)) return isNumberOfKind(schema, value) && value >= lower(schema) && value <= upper(schema);
  return isAllowed(schema, value);
}

function isAllowed(schema: SettingSchema, value: unknown): boolean {
  switch (schema.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && (schema.enum === undefined || schema.enum.includes(value));
    case 'object':
      return isRecord(value) && Object.values(value).every((v) => typeof v === 'boolean');
    default:
      return false;
  }
}

function isNumeric(schema: SettingSchema): boolean {
  return schema.type === 'integer' || schema.type === 'number';
}

function isNumberOfKind(schema: SettingSchema, value: unknown): value is number {
  return schema.type === 'integer' ? Number.isInteger(value) : typeof value === 'number' && Number.isFinite(value);
}

const lower = (schema: SettingSchema): number => schema.minimum ?? -Infinity;
const upper = (schema: SettingSchema): number => schema.maximum ?? Infinity;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

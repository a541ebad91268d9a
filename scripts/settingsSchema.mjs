// package.json's contributes.configuration is the one home of the extension's settings: keys, types, defaults,
// ranges, enums and descriptions. This writes what TypeScript cannot read from JSON with its literal types, into
// src/settings/schema.generated.ts (git-ignored, rewritten by every build): the schema of each setting as a typed
// constant, and the Settings type nested by the keys' dots. `npm run build` runs it before tsc.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const PREFIX = 'glmInfill.';
export const OUTPUT = 'src/settings/schema.generated.ts';

/** The TypeScript module for package.json's settings. */
export function settingsModule(configuration) {
  const properties = Object.entries(configuration.properties).map(([name, schema]) => {
    if (!name.startsWith(PREFIX)) throw new Error(`setting ${name} does not start with ${PREFIX}`);
    return [name.slice(PREFIX.length), schema];
  });
  return [
    '// Generated from package.json (contributes.configuration) by scripts/settingsSchema.mjs on every build.',
    '// Edit package.json, not this file.',
    '',
    `export const SECTION = ${JSON.stringify(PREFIX.slice(0, -1))};`,
    '',
    "/** What the reader needs of each setting's JSON schema, keyed without the section prefix. */",
    'export const SETTING_SCHEMAS = {',
    ...properties.map(([key, schema]) => `  ${JSON.stringify(key)}: ${JSON.stringify(readerSchema(key, schema))},`),
    '} as const;',
    '',
    'export type SettingKey = keyof typeof SETTING_SCHEMAS;',
    '',
    ...interfaces(properties),
  ].join('\n');
}

/** The parts of a setting's schema that decide its values (descriptions and UI order stay in package.json). */
function readerSchema(key, schema) {
  const { type, default: fallback, minimum, maximum, enum: values } = schema;
  if (fallback === undefined) throw new Error(`setting ${key} has no default`);
  tsType(key, schema); // refuses a type the reader does not handle
  return { type, default: fallback, minimum, maximum, enum: values };
}

/** `Settings`, with one nested interface per dotted group (`inline.*` → `InlineSettings`). */
function interfaces(properties) {
  const groups = new Map([['', []]]);
  for (const [key, schema] of properties) {
    const dot = key.indexOf('.');
    const group = dot < 0 ? '' : key.slice(0, dot);
    if (key.indexOf('.', dot + 1) > 0) throw new Error(`setting ${key}: one level of nesting at most`);
    if (!groups.has(group)) {
      groups.set(group, []);
      groups.get('').push(`  ${group}: ${interfaceName(group)};`);
    }
    const description = schema.markdownDescription ?? schema.description ?? '';
    groups
      .get(group)
      .push(`  /** ${description.replaceAll('*/', '*\\/')} */`, `  ${key.slice(dot + 1)}: ${tsType(key, schema)};`);
  }
  return [...groups].flatMap(([group, lines]) => [
    group === '' ? '/** Every setting, typed as its schema allows. */' : `/** The \`${PREFIX}${group}.*\` settings. */`,
    `export interface ${interfaceName(group)} {`,
    ...lines,
    '}',
    '',
  ]);
}

function interfaceName(group) {
  return `${group.charAt(0).toUpperCase()}${group.slice(1)}Settings`;
}

function tsType(key, schema) {
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return schema.enum ? schema.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    case 'object':
      if (schema.additionalProperties?.type === 'boolean') return 'Record<string, boolean>';
  }
  throw new Error(
    `setting ${key}: type ${JSON.stringify(schema.type)} is not one the settings reader handles (src/settings/values.ts)`,
  );
}

/** Writes the module when its text changed (an unchanged file keeps its time, so watchers stay quiet). */
export function writeSettingsModule(packageJson = 'package.json', output = OUTPUT) {
  const text = settingsModule(JSON.parse(readFileSync(packageJson, 'utf8')).contributes.configuration);
  let old;
  try {
    old = readFileSync(output, 'utf8');
  } catch {
    old = undefined;
  }
  if (old !== text) writeFileSync(output, text);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) writeSettingsModule();

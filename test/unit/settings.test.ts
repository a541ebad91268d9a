import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PANEL_KEYS, parsePanelRequest } from '../../src/settings/panelMessages.js';
import { FILL_MODES } from '../../src/glm/autoKind.js';
import { DEFAULT_DECODING, DEVICES, MAX_THREADS, decodingOptions } from '../../src/glm/index.js';
import type { SettingKey } from '../../src/settings/schema.generated.js';
import { DEFAULT_SETTINGS, settingAt, settingsFrom } from '../../src/settings/snapshot.js';
import { ROOT, TINY } from './helpers.js';

interface JsonSchema {
  type: string;
  default: unknown;
  minimum?: number;
  maximum?: number;
  enum?: string[];
}

// package.json as it is on disk now: a build that did not regenerate the settings module shows here as drift.
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, JsonSchema> } };
};
const SCHEMAS = new Map(
  Object.entries(MANIFEST.contributes.configuration.properties).map(([name, schema]) => [
    name.replace(/^glmInfill\./, '') as SettingKey,
    schema,
  ]),
);
const ofType = (...types: string[]): [SettingKey, JsonSchema][] =>
  [...SCHEMAS].filter(([, s]) => types.includes(s.type));

/** The snapshot for one raw value of one setting, every other setting unset. */
const readOne = (key: SettingKey, value: unknown): unknown =>
  settingAt(
    settingsFrom((k) => (k === key ? value : undefined)),
    key,
  );

test('the snapshot holds every setting of package.json, at its default, and nothing else', () => {
  // A group ('inline') holds settings; a setting's own value may be an object too ('inline.languages').
  const flat = (o: object, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) => {
      const key = `${prefix}${k}`;
      return !SCHEMAS.has(key as SettingKey) && typeof v === 'object' && v !== null ? flat(v, `${key}.`) : [key];
    });
  assert.deepEqual(flat(DEFAULT_SETTINGS).sort(), [...SCHEMAS.keys()].sort());
  for (const [key, schema] of SCHEMAS) assert.deepEqual(settingAt(DEFAULT_SETTINGS, key), schema.default, key);
});

test("numbers are clamped into package.json's range; a value of the wrong kind is the default", () => {
  for (const [key, schema] of ofType('integer', 'number')) {
    if (schema.maximum !== undefined) assert.equal(readOne(key, schema.maximum + 1), schema.maximum, key);
    if (schema.minimum !== undefined) assert.equal(readOne(key, schema.minimum - 1), schema.minimum, key);
    assert.equal(readOne(key, '3'), schema.default, key);
    assert.equal(readOne(key, Number.NaN), schema.default, key);
    if (schema.type === 'integer') assert.equal(readOne(key, (schema.minimum ?? 0) + 0.5), schema.default, key);
  }
});

test('a choice outside the enum, or a value of the wrong type, is the default', () => {
  for (const [key, schema] of ofType('string')) {
    for (const value of schema.enum ?? ['/some/path']) assert.equal(readOne(key, value), value, key);
    if (schema.enum) assert.equal(readOne(key, 'nonsense'), schema.default, key);
    assert.equal(readOne(key, 7), schema.default, key);
  }
  for (const [key, schema] of ofType('boolean')) {
    assert.equal(readOne(key, !schema.default), !schema.default, key);
    assert.equal(readOne(key, 'yes'), schema.default, key);
  }
  for (const [key, schema] of ofType('object')) {
    assert.deepEqual(readOne(key, { go: true, rust: 'yes' }), { go: true }, key);
    assert.deepEqual(readOne(key, 'markdown'), schema.default, key);
  }
});

test('the core agrees with package.json where both define a setting', () => {
  // Decoding settings are named as the core's options; a new one is checked here without a change to this test.
  const shared = Object.keys(DEFAULT_DECODING).filter((k): k is keyof typeof DEFAULT_DECODING & SettingKey =>
    SCHEMAS.has(k as SettingKey),
  );
  for (const key of ['maxTokens', 'minTokens', 'temperature', 'topP'])
    assert.ok((shared as string[]).includes(key), key);
  for (const key of shared) assert.equal(DEFAULT_DECODING[key], SCHEMAS.get(key)?.default, key);
  // The core accepts every value the settings allow, at both ends of each range.
  const bound = (end: 'minimum' | 'maximum') => Object.fromEntries(shared.map((k) => [k, SCHEMAS.get(k)?.[end]]));
  assert.doesNotThrow(() => decodingOptions(bound('minimum')));
  assert.doesNotThrow(() => decodingOptions(bound('maximum')));
  assert.deepEqual(SCHEMAS.get('device')?.enum, DEVICES);
  assert.deepEqual(SCHEMAS.get('mode')?.enum, FILL_MODES);
  assert.equal(SCHEMAS.get('threads')?.maximum, MAX_THREADS);
});

test("the CLI's flags default to the settings' defaults", () => {
  const help = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--model', TINY, '--help'], {
    encoding: 'utf8',
  }).stdout;
  // One entry per option, its wrapped lines joined.
  const entries = help.split(/\n(?= {2}-)/).map((e) => e.replace(/\s+/g, ' '));
  const flags: [string, SettingKey][] = [
    ['--max-tokens', 'maxTokens'],
    ['--min-tokens', 'minTokens'],
    ['--temperature', 'temperature'],
    ['--top-p', 'topP'],
    ['--threads', 'threads'],
    ['--device', 'device'],
  ];
  for (const [flag, key] of flags) {
    const entry = entries.find((e) => e.includes(` ${flag} <`));
    assert.ok(entry?.includes(`default: ${JSON.stringify(SCHEMAS.get(key)?.default)})`), `${flag}: ${entry}`);
  }
});

test('the settings page may set only its keys, to values package.json allows', () => {
  const set = (key: string, value: unknown) => parsePanelRequest({ type: 'set', key, value });
  for (const key of PANEL_KEYS) {
    const value = settingAt(DEFAULT_SETTINGS, key);
    assert.deepEqual(set(key, value), { type: 'set', key, value }, key);
  }
  // Tighter than the page's old generic check (any integer 0–100000, any number 0–2).
  assert.equal(set('topP', 0), undefined);
  assert.ok(set('topP', 0.01));
  assert.equal(set('maxTokens', 0), undefined);
  assert.equal(set('maxTokens', 513), undefined);
  assert.equal(set('threads', MAX_THREADS + 1), undefined);
  assert.equal(set('inline.debounceMs', 5001), undefined);
  assert.equal(set('temperature', 2.5), undefined);
  assert.equal(set('maxTokens', 2.5), undefined);
  // Keys it does not edit, choices outside the enum, wrong types and huge strings are dropped.
  assert.equal(set('consensus', 2), undefined);
  assert.equal(set('device', 'tpu'), undefined);
  assert.equal(set('mode', 'word'), undefined);
  assert.equal(set('inline.enabled', 'true'), undefined);
  assert.equal(set('modelPath', 'x'.repeat(5000)), undefined);
  assert.equal(set('modelPath', 42), undefined);
  assert.equal(set('evil', 'x'), undefined);
  // Only objects of a known type are messages.
  assert.equal(parsePanelRequest('measure'), undefined);
  assert.equal(parsePanelRequest(null), undefined);
  assert.equal(parsePanelRequest({ type: 'run' }), undefined);
  assert.deepEqual(parsePanelRequest({ type: 'measure', extra: 1 }), { type: 'measure' });
});

import { SETTING_SCHEMAS, type SettingKey, type Settings } from './schema.generated.js';
import { settingValue } from './values.js';

/**
 * Every setting, each checked against its schema, from a getter of raw values (VS Code's configuration; nothing
 * at all for the defaults). A caller reads one snapshot per operation and passes it down, so a settings edit
 * during a fill cannot mix two.
 */
export function settingsFrom(raw: (key: SettingKey) => unknown): Settings {
  const settings: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_SCHEMAS) as SettingKey[]) {
    const [group, name] = splitKey(key);
    const target = group === undefined ? settings : ((settings[group] ??= {}) as Record<string, unknown>);
    target[name] = settingValue(key, raw(key));
  }
  // The generator writes Settings from the same schema, key by key and group by group: this record has its shape.
  return settings as unknown as Settings;
}

/** What a user who has set nothing gets; the CLI's flags start from these too. */
export const DEFAULT_SETTINGS: Settings = settingsFrom(() => undefined);

/** One setting of a snapshot by its key: 'inline.enabled' is settings.inline.enabled. */
export function settingAt(settings: Settings, key: SettingKey): unknown {
  const [group, name] = splitKey(key);
  const fields = (value: unknown): Record<string, unknown> => value as Record<string, unknown>;
  return fields(group === undefined ? settings : fields(settings)[group])[name];
}

function splitKey(key: SettingKey): [string | undefined, string] {
  const dot = key.indexOf('.');
  return dot < 0 ? [undefined, key] : [key.slice(0, dot), key.slice(dot + 1)];
}

/**
 * Remembers the last inline suggestions so that typing the first characters of one shows the rest at once, without a
 * new model run (every peer does this; a GLM Part A changes with each keystroke, so a rerun is never free). Asked
 * again at the same place (VS Code does so when Alt+] cycles), it gives back every suggestion as it was.
 */
export interface CachedSuggestions {
  uri: string;
  /** Text before the cursor when the suggestions were made (a bounded tail). */
  before: string;
  /** Text after the cursor (a bounded head): typing through must not have changed it. */
  after: string;
  items: CachedItem[];
}

/** One suggestion: the text it writes, and how many characters before the cursor it replaces (a blank's space). */
export interface CachedItem {
  text: string;
  replaces: number;
}

const CONTEXT_CHARS = 256;

export class TypeThroughCache {
  private last: CachedSuggestions | undefined;

  remember(uri: string, before: string, after: string, items: readonly CachedItem[]): void {
    const kept = items.filter((item) => item.text !== '');
    this.last = kept.length === 0 ? undefined : { uri, before: tail(before), after: head(after), items: kept };
  }

  /**
   * The rest of each cached suggestion the user has typed a prefix of (possibly nothing), in their order; undefined
   * when none is left. A suggestion that replaces text before the cursor is only given back untouched: typing after
   * that text is not typing through it.
   */
  lookup(uri: string, before: string, after: string): CachedItem[] | undefined {
    const last = this.last;
    if (last === undefined || last.uri !== uri || head(after) !== last.after) return undefined;
    const rests: CachedItem[] = [];
    for (const item of last.items) {
      const typed = typedOf(item.text, before, last.before);
      if (typed === 0) rests.push(item);
      else if (typed !== undefined && item.replaces === 0) rests.push({ text: item.text.slice(typed), replaces: 0 });
    }
    return rests.length === 0 ? undefined : rests;
  }

  clear(): void {
    this.last = undefined;
  }
}

/** How many characters of `suggestion` were typed since it was made at `madeAfter`, or undefined if it was not. */
function typedOf(suggestion: string, before: string, madeAfter: string): number | undefined {
  for (let typed = 0; typed < suggestion.length; typed++) {
    const typedText = suggestion.slice(0, typed);
    if (before.endsWith(typedText) && tail(before.slice(0, before.length - typed)) === madeAfter) return typed;
  }
  return undefined;
}

function tail(text: string): string {
  return text.slice(-CONTEXT_CHARS);
}

function head(text: string): string {
  return text.slice(0, CONTEXT_CHARS);
}

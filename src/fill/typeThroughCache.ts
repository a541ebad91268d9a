/**
 * Remembers the last inline suggestion so that typing its first characters shows the rest at once, without a new
 * model run (every peer does this; a GLM Part A changes with each keystroke, so a rerun is never free).
 */
export interface CachedSuggestion {
  uri: string;
  /** Text before the cursor when the suggestion was made (a bounded tail). */
  before: string;
  /** Text after the cursor (a bounded head): typing through must not have changed it. */
  after: string;
  suggestion: string;
}

const CONTEXT_CHARS = 256;

export class TypeThroughCache {
  private last: CachedSuggestion | undefined;

  remember(uri: string, before: string, after: string, suggestion: string): void {
    if (suggestion === '') return;
    this.last = { uri, before: tail(before), after: head(after), suggestion };
  }

  /** The rest of the cached suggestion when the user has typed a prefix of it (possibly nothing), else undefined. */
  lookup(uri: string, before: string, after: string): string | undefined {
    const last = this.last;
    if (last === undefined || last.uri !== uri || head(after) !== last.after) return undefined;
    for (let typed = 0; typed < last.suggestion.length; typed++) {
      const typedText = last.suggestion.slice(0, typed);
      if (before.endsWith(typedText) && tail(before.slice(0, before.length - typed)) === last.before) {
        return last.suggestion.slice(typed);
      }
    }
    return undefined;
  }

  clear(): void {
    this.last = undefined;
  }
}

function tail(text: string): string {
  return text.slice(-CONTEXT_CHARS);
}

function head(text: string): string {
  return text.slice(0, CONTEXT_CHARS);
}

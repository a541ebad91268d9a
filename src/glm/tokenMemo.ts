import type { GlmTokenizer } from './tokenizer.js';

interface Entry {
  ids: Int32Array;
  /** The last request that asked for this text. */
  request: number;
}

/**
 * Token ids of texts that recent requests tokenized: while the user types, each request asks for the same
 * paragraphs again, and only the edited one is new. What neither the current request nor the one before asked for
 * is dropped at the end of a request (an old version of the edited paragraph, a closed document), so the memo holds
 * about two requests' text, however long the session; `maxChars` bounds it within one request.
 */
export class TokenMemo {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  private request = 0;

  constructor(
    private readonly tokenizer: GlmTokenizer,
    private readonly maxChars: number,
  ) {}

  /** The ids of `text`, tokenized now or remembered. */
  encode(text: string): Int32Array {
    const known = this.entries.get(text);
    if (known !== undefined) {
      known.request = this.request;
      return known.ids;
    }
    // 4 bytes a token, not a JavaScript array's 8.
    const ids = Int32Array.from(this.tokenizer.encode(text));
    this.entries.set(ownCopy(text), { ids, request: this.request });
    this.chars += text.length;
    for (const [key, entry] of this.entries) {
      if (this.chars <= this.maxChars || entry.ids === ids) break;
      this.drop(key);
    }
    return ids;
  }

  /** Marks texts as asked for by the current request without tokenizing them (their ids are used elsewhere). */
  touch(texts: readonly string[]): void {
    for (const text of texts) {
      const entry = this.entries.get(text);
      if (entry !== undefined) entry.request = this.request;
    }
  }

  /** Ends the current request: drops what neither it nor the one before asked for. */
  endRequest(): void {
    for (const [key, entry] of this.entries) if (entry.request < this.request - 1) this.drop(key);
    this.request++;
  }

  /** Characters remembered. */
  get size(): number {
    return this.chars;
  }

  private drop(key: string): void {
    this.entries.delete(key);
    this.chars -= key.length;
  }
}

/**
 * `text` as a string of its own. A paragraph is a slice of the whole document, and V8 keeps a slice's parent alive:
 * a key would hold on to the document version it was cut from, every keystroke's version of a large file.
 * Concatenating flattens into a new string, whose slice holds just that copy.
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

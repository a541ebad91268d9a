import type { GlmTokenizer } from './tokenizer.js';

/**
 * Where a span's bytes stand in UTF-8: at a character boundary (BOUNDARY) or inside a character, in one of the
 * states below, each naming what its next byte must be. Byte-level BPE can end a span, or sample a byte, in the middle
 * of a character; decoded, that is U+FFFD in the user's text. So a span only takes tokens that keep its bytes valid
 * UTF-8, and never the bytes of U+FFFD itself (EF BF BD), which a model never means as text.
 */
export type Utf8State = number;
export const BOUNDARY: Utf8State = 0;

// [lowest, highest next byte, state after it] for every state inside a character (index = state).
const INSIDE: readonly (readonly [number, number, Utf8State])[] = [
  [0, -1, BOUNDARY], // BOUNDARY: handled by lead()
  [0x80, 0xbf, BOUNDARY], // 1 continuation byte left
  [0x80, 0xbf, 1], // 2 left
  [0xa0, 0xbf, 1], // after E0: no overlong form
  [0x80, 0x9f, 1], // after ED: no surrogate
  [0x80, 0xbf, 1], // after EF: see step(), EF BF may not go on to BD
  [0x80, 0xbf, BOUNDARY], // after EF BF: see step(), anything but BD (U+FFFD)
  [0x80, 0xbf, 2], // 3 left
  [0x90, 0xbf, 2], // after F0: no overlong form
  [0x80, 0x8f, 2], // after F4: nothing above U+10FFFF
];

// Continuation bytes each state still needs.
const BYTES_LEFT: readonly number[] = [0, 1, 2, 2, 2, 2, 1, 3, 3, 3];

function lead(byte: number): Utf8State | undefined {
  if (byte < 0x80) return BOUNDARY;
  if (byte >= 0xc2 && byte <= 0xdf) return 1;
  if (byte === 0xe0) return 3;
  if (byte === 0xed) return 4;
  if (byte === 0xef) return 5;
  if (byte >= 0xe1 && byte <= 0xee) return 2;
  if (byte === 0xf0) return 8;
  if (byte >= 0xf1 && byte <= 0xf3) return 7;
  if (byte === 0xf4) return 9;
  return undefined;
}

/** The state after one more byte, or undefined when the byte breaks UTF-8 there. */
export function step(state: Utf8State, byte: number): Utf8State | undefined {
  if (state === BOUNDARY) return lead(byte);
  const [lo, hi, next] = INSIDE[state] as readonly [number, number, Utf8State];
  if (byte < lo || byte > hi || (state === 6 && byte === 0xbd)) return undefined;
  return state === 5 && byte === 0xbf ? 6 : next;
}

export function afterBytes(state: Utf8State, bytes: Uint8Array): Utf8State | undefined {
  let s: Utf8State | undefined = state;
  for (let i = 0; i < bytes.length && s !== undefined; i++) s = step(s, bytes[i] as number);
  return s;
}

/** The bytes of every token of a tokenizer, and per state the tokens that would break UTF-8 there. */
export class Utf8Vocab {
  private readonly blocked = new Map<number, number[]>();

  constructor(private readonly bytes: readonly (Uint8Array | undefined)[]) {}

  /** The state after token `id` (a token whose bytes are unknown is taken to keep the state). */
  after(state: Utf8State, id: number): Utf8State | undefined {
    const bytes = this.bytes[id];
    return bytes === undefined ? state : afterBytes(state, bytes);
  }

  /**
   * Ids that cannot come next in `state` when at most `room` tokens may follow: those that break UTF-8, and those that
   * open a character needing more continuation bytes than `room` tokens can bring (each brings at least one; every
   * byte is a token of a byte-level vocabulary). With room 0 the token must end on a character boundary.
   */
  blockedIn(state: Utf8State, room: number): readonly number[] {
    const key = state * 4 + Math.min(room, 3);
    let ids = this.blocked.get(key);
    if (ids === undefined) {
      ids = [];
      for (let id = 0; id < this.bytes.length; id++) {
        const after = this.after(state, id);
        if (after === undefined || (BYTES_LEFT[after] as number) > room) ids.push(id);
      }
      this.blocked.set(key, ids);
    }
    return ids;
  }
}

const vocabs = new WeakMap<GlmTokenizer, Utf8Vocab>();

/** The UTF-8 view of a tokenizer's vocabulary, built once per tokenizer. */
export function utf8Vocab(tokenizer: GlmTokenizer): Utf8Vocab {
  let vocab = vocabs.get(tokenizer);
  if (vocab === undefined) {
    vocab = new Utf8Vocab(Array.from({ length: tokenizer.size }, (_, id) => tokenBytes(tokenizer, id)));
    vocabs.set(tokenizer, vocab);
  }
  return vocab;
}

// GPT-2's byte-level alphabet: each byte is one printable character in a byte-level BPE vocabulary.
const BYTE_OF_CHAR = ((): Map<string, number> => {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : 256 + extra++), b);
  return map;
})();

/** A token's bytes from its byte-level vocabulary string; its decoded text when it is not byte-level (special tokens). */
function tokenBytes(tokenizer: GlmTokenizer, id: number): Uint8Array | undefined {
  const piece = tokenizer.tokenString(id);
  if (piece === undefined) return undefined;
  const bytes = [...piece].map((c) => BYTE_OF_CHAR.get(c));
  if (bytes.every((b) => b !== undefined)) return Uint8Array.from(bytes as number[]);
  const text = tokenizer.decode([id]);
  return text.includes('\uFFFD') ? undefined : Buffer.from(text, 'utf8');
}

import type { DecodeState } from '../../src/glm/decoder.js';
import { Span, type SpanSetup } from '../../src/glm/span.js';
import type { GlmTokenizer } from '../../src/glm/tokenizer.js';
import { Utf8Vocab } from '../../src/glm/utf8Guard.js';

/** A byte-level vocabulary small enough to read: each id's bytes (the end tokens have none). */
const BYTES: readonly (readonly number[] | undefined)[] = [
  [...Buffer.from('a')],
  [...Buffer.from('b')],
  [...Buffer.from(' ')],
  [...Buffer.from('\n')],
  [...Buffer.from('.')],
  [...Buffer.from('x')],
  [0xe6],
  [0x97],
  [0xa5],
  undefined,
  undefined,
  [...Buffer.from('。')],
  [...Buffer.from('ab')],
];
export const ID = {
  a: 0,
  b: 1,
  space: 2,
  newline: 3,
  dot: 4,
  x: 5,
  lead: 6,
  cont1: 7,
  cont2: 8,
  eop: 9,
  eos: 10,
  cjkStop: 11,
  ab: 12,
};
export const END_IDS = [ID.eop, ID.eos];
export const VOCAB_SIZE = BYTES.length;

export const tokenizer = {
  decode: (ids: readonly number[]) => Buffer.from(ids.flatMap((id) => BYTES[id] ?? [])).toString('utf8'),
} as unknown as GlmTokenizer;

export const utf8 = new Utf8Vocab(BYTES.map((b) => b && Uint8Array.from(b)));
export const whitespace = { inline: new Set([ID.space]), lineBreak: new Set([ID.newline]) };

/** A decode state that only counts: the rules read its length, the span pushes onto it. */
class CountingState {
  constructor(readonly length: number) {}

  push(): CountingState {
    return new CountingState(this.length + 1);
  }
}

export function stateOfLength(length: number): DecodeState {
  return new CountingState(length) as unknown as DecodeState;
}

export function fakeSpan(setup: Partial<SpanSetup> = {}, stateLength = 10): Span {
  return new Span(
    {
      tokenizer,
      utf8,
      whitespace,
      history: [],
      blank: 0,
      startsLine: false,
      healedPrefix: undefined,
      allowedFirst: undefined,
      maxLength: 100,
      maxTokens: 32,
      ...setup,
    },
    stateOfLength(stateLength),
  );
}

/** Pushes tokens with log-probability -1 each. */
export function pushAll(span: Span, ids: readonly number[]): Span {
  for (const id of ids) span.push(id, -1);
  return span;
}

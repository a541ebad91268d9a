import { type Blank, type BlankKind, BLANK_KINDS, type InfillOptions, MARKER_OF_KIND } from '../glm/index.js';
import { seededRandom } from '../glm/sampler.js';

/** One fuzz case: a text with markers (or none), decoding options, and blanks for the editor path. */
export interface FuzzCase {
  seed: number;
  index: number;
  layout: string;
  text: string;
  options: InfillOptions;
  /** The kind of the blank a text without markers gets at its end. */
  kindAtEnd: BlankKind;
  /** Zero-width blanks in `text` for the editor path (the text as it is, typed blanks), at least two characters apart. */
  editorBlanks: Blank[];
}

// Atoms a text is made of: words (marker words among them), whitespace of every kind, brackets, scripts, emoji,
// hazards (NUL, lone surrogates, noncharacters, U+FFFD, escapes, line separators) and near-markers.
const ATOMS = {
  word: ['the', 'of', 'code', 'return', 'value', 'MASK', 'mask', 'sMASK', 'self', 'count', 'items', 'ite', 'x'],
  space: [' ', ' ', ' ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '  '],
  punct: ['.', ',', '!', '?', ';', ':', '(', ')', '[', ']', '[[', ']]', '{', '}', '"', "'", '\\', '\\\\', '->', '='],
  unicode: [
    '日本語',
    'テキスト',
    '中文',
    'مرحبا',
    'שלום',
    'Ελληνικά',
    '🎉',
    '👩‍💻',
    '👨‍👩‍👧',
    'e\u0301',
    '\u202e',
    '\u200b',
    '\ufeff',
    '𝔘𝔫𝔦',
  ],
  hazard: ['\u0000', '\ud800', '\udfff', '\uffff', '\ufffd', '\u001b[31m', '\u2028'],
  nearMarker: [
    '[MASK',
    '[ MASK]',
    '[MASK ]',
    '[MASK1]',
    '<mask>',
    'x[mask]',
    'arr[bitmask]',
    '\\[MASK]',
    '\\[sMASK]',
    '\\\\',
  ],
};
const ATOM_WEIGHTS: [keyof typeof ATOMS, number][] = [
  ['word', 40],
  ['space', 25],
  ['punct', 15],
  ['unicode', 10],
  ['hazard', 4],
  ['nearMarker', 6],
];
const INVALID_MARKERS = ['[mask]', '[Mask]', '[bitmask]', '[GMASK]', '[XMASK]', '[smask]'];
const LAYOUTS = [
  'random',
  'adjacent',
  'edges',
  'only-blanks',
  'nested',
  'many',
  'none',
  'invalid',
  'escaped',
  'long',
] as const;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const marker = (random: Random): string => MARKER_OF_KIND[pick(random, BLANK_KINDS)];

function atom(random: Random): string {
  let r = random() * ATOM_WEIGHTS.reduce((n, [, w]) => n + w, 0);
  for (const [kind, weight] of ATOM_WEIGHTS) {
    r -= weight;
    if (r < 0) return pick(random, ATOMS[kind]);
  }
  return ' ';
}

function baseText(random: Random, atoms: number): string {
  return Array.from({ length: atoms }, () => atom(random)).join('');
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

/** A text with markers placed as `layout` says; random positions may split surrogate pairs, on purpose. */
function layoutText(random: Random, layout: (typeof LAYOUTS)[number]): string {
  const base = baseText(random, random() < 0.1 ? int(random, 0, 400) : int(random, 0, 40));
  const scatter = (text: string, pieces: number, piece: () => string): string => {
    let out = text;
    for (let i = 0; i < pieces; i++) out = insertAt(out, int(random, 0, out.length), piece());
    return out;
  };
  switch (layout) {
    case 'random':
      return scatter(base, int(random, 1, 6), () => marker(random));
    case 'adjacent':
      return scatter(base, 1, () => Array.from({ length: int(random, 2, 3) }, () => marker(random)).join(''));
    case 'edges':
      return `${marker(random)}${base}${marker(random)}`;
    case 'only-blanks':
      return Array.from({ length: int(random, 1, 4) }, () => marker(random)).join(pick(random, ['', ' ', '\n']));
    case 'nested':
      return scatter(base, 1, () =>
        pick(random, ['[[MASK]]', '[[MASK]', '[MASK]]', '[[[gMASK]]]', '[ [MASK] ]', '\\\\[MASK]']),
      );
    case 'many':
      return scatter(base, int(random, 30, 50), () => marker(random));
    case 'none':
      return base;
    case 'invalid':
      return scatter(
        scatter(base, 1, () => marker(random)),
        1,
        () => pick(random, INVALID_MARKERS),
      );
    case 'escaped':
      return scatter(
        scatter(base, 1, () => marker(random)),
        int(random, 1, 3),
        () => `\\${marker(random)}`,
      );
    case 'long': {
      const long = baseText(random, int(random, 400, 4000));
      return scatter(long, int(random, 1, 4), () => marker(random));
    }
  }
}

function decoding(random: Random): InfillOptions {
  const maxTokens = int(random, 1, 4);
  const sampled = random() < 0.3;
  return {
    maxTokens,
    minTokens: random() < 0.2 ? int(random, 0, maxTokens) : 0,
    temperature: sampled ? pick(random, [0.7, 1, 1.5]) : 0,
    topK: sampled && random() < 0.1 ? int(random, 1, 20) : 0,
    topP: sampled && random() < 0.1 ? 0.9 : 1,
    seed: int(random, 0, 1e6),
    candidates: random() < 0.2 ? int(random, 2, 3) : 1,
    select: random() < 0.2 ? 'consensus' : 'likeliest',
    tokenHealing: random() < 0.3,
    requireContent: random() >= 0.1,
    stopAtEcho: random() >= 0.1,
    endAtLikeliest: random() >= 0.1,
  };
}

function editorBlanks(random: Random, text: string): FuzzCase['editorBlanks'] {
  const blanks: FuzzCase['editorBlanks'] = [];
  for (let i = int(random, 1, 3); i > 0; i--) {
    const at = int(random, 0, text.length);
    if (blanks.every((b) => Math.abs(b.start - at) >= 2))
      blanks.push({ start: at, end: at, kind: pick(random, BLANK_KINDS) });
  }
  return blanks.sort((a, b) => a.start - b.start);
}

/** Case `index` of the run seeded `seed`: the same every time, so any case can be re-run alone. */
export function fuzzCase(seed: number, index: number): FuzzCase {
  const random = seededRandom((seed * 1_000_003 + index) >>> 0);
  const layout = pick(random, LAYOUTS);
  const text = layoutText(random, layout);
  const options = decoding(random);
  const kindAtEnd = pick(random, BLANK_KINDS);
  return { seed, index, layout, text, options, kindAtEnd, editorBlanks: editorBlanks(random, text) };
}

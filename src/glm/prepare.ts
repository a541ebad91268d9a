import type { BlankKind } from './blank.js';
import { MAX_ORDER } from './contextCache.js';
import { GlmError } from './errors.js';
import { type Healing, healingFor } from './healing.js';
import { type PartA, buildPartA, defaultPartAOptions } from './layout.js';
import { type MarkedText, ensureBlank, parseMarkers } from './markers.js';
import type { GlmModel } from './model.js';
import { type WindowReport, precutText, windowSegments } from './window.js';

/** A request turned into Part A: the blanks found in the text and the (windowed) Part A ids. */
export interface Prepared {
  marked: MarkedText;
  kinds: BlankKind[];
  partA: PartA;
  window: WindowReport;
  /** Per blank: the token moved from Part A into the fill (token healing), if any. */
  healing: (Healing | undefined)[];
  /** Per blank: the last tokens of the text before it (at most MAX_ORDER, before windowing): the cache's query. */
  left: number[][];
}

// Characters kept on each side of a blank before tokenizing: far above what S tokens can hold.
const CHARS_PER_TOKEN_BOUND = 16;

/**
 * Parses markers (a text without any gets a blank of `mode` at its end, as GLM's generator does), checks the kinds
 * against the model, and builds a Part A that leaves room for `perBlank` Part B tokens per blank (at most half of
 * the positions: context matters more than a long span limit that is rarely reached).
 */
export function prepare(model: GlmModel, text: string, mode: BlankKind, perBlank: number, heal: boolean): Prepared {
  if (text.trim() === '') throw new GlmError('input', 'The text is empty: give some text, with [MASK], [sMASK] or [gMASK] where blanks go.');
  const marked = ensureBlank(parseMarkers(text), text, mode);
  const kinds = marked.blanks.map((b) => b.kind);
  const { manifest, tokenizer } = model;
  const unsupported = kinds.filter((k) => !manifest.maskKinds.includes(k));
  if (unsupported.length > 0) {
    throw new GlmError('input', `Model "${manifest.name}" was not trained with ${[...new Set(unsupported)].join('/')} blanks ` +
      `(it knows ${manifest.maskKinds.join(', ')}).`);
  }
  const s = manifest.architecture.maxSequenceLength;
  const fixed = 2 + kinds.length; // [CLS], one mask per blank, [eos]
  const minimumPartB = 2 * kinds.length; // sop and one token per blank
  if (fixed + minimumPartB > s) {
    throw new GlmError('too-many-blanks', `${kinds.length} blanks do not fit the model's ${s} positions ` +
      `(each needs a mask, a start token and at least one generated token); fill them in smaller groups.`);
  }
  const reserve = Math.max(minimumPartB, Math.min(perBlank * kinds.length, Math.floor(s / 2)));
  const texts = precutText(marked.segments, s * CHARS_PER_TOKEN_BOUND);
  const segments = texts.map((seg) => tokenizer.encode(seg));
  const healing = marked.blanks.map((blank, k) =>
    (heal ? healingFor(tokenizer, texts[k] as string, segments[k] as number[], text[blank.start] === ' ') : undefined));
  healing.forEach((h, k) => h && (segments[k] as number[]).pop());
  const { segments: kept, report } = windowSegments(segments, s - fixed - reserve);
  const partA = buildPartA(kept, kinds, manifest.specialTokens, defaultPartAOptions(kept, kinds));
  const left = kinds.map((_, k) => (segments[k] as number[]).slice(-MAX_ORDER));
  return { marked, kinds, partA, window: report, healing, left };
}

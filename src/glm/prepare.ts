import type { BlankKind, BlankedText } from './blank.js';
import { MAX_ORDER } from './contextCache.js';
import { GlmError } from './errors.js';
import { type Healing, healingFor } from './healing.js';
import { type PartA, buildPartA, defaultPartAOptions } from './layout.js';
import type { GlmModel } from './model.js';
import { type PlacedBlank, placeBlanks, segmentsAround } from './placement.js';
import { type WindowReport, precutText, windowSegments } from './window.js';

/** A request turned into Part A: its blanks as placed, the text around them, and the (windowed) Part A ids. */
export interface Prepared {
  blanks: PlacedBlank[];
  /** The text before each blank and after the last one (`blanks.length + 1` segments), before windowing. */
  segments: string[];
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
 * Places the blanks, checks their kinds against the model, and builds a Part A that leaves room for `perBlank`
 * Part B tokens per blank (at most half of the positions: context matters more than a long span limit that is rarely
 * reached).
 */
export function prepare(model: GlmModel, request: BlankedText, perBlank: number, heal: boolean): Prepared {
  const blanks = placeBlanks(request);
  const kinds = blanks.map((b) => b.kind);
  const { manifest, tokenizer } = model;
  checkKinds(model, kinds);
  const s = manifest.architecture.maxSequenceLength;
  const fixed = 2 + kinds.length; // [CLS], one mask per blank, [eos]
  const minimumPartB = 2 * kinds.length; // sop and one token per blank
  if (fixed + minimumPartB > s) {
    throw new GlmError(
      'too-many-blanks',
      `${kinds.length} blanks do not fit the model's ${s} positions ` +
        `(each needs a mask, a start token and at least one generated token); fill them in smaller groups.`,
    );
  }
  const reserve = Math.max(minimumPartB, Math.min(perBlank * kinds.length, Math.floor(s / 2)));
  const segments = segmentsAround(request.text, blanks);
  const texts = precutText(segments, s * CHARS_PER_TOKEN_BOUND);
  const ids = texts.map((seg) => tokenizer.encode(seg));
  const healing = blanks.map((blank, k) =>
    heal ? healingFor(tokenizer, texts[k] as string, ids[k] as number[], blank.space !== '') : undefined,
  );
  healing.forEach((h, k) => h && (ids[k] as number[]).pop());
  const { segments: kept, report } = windowSegments(ids, s - fixed - reserve);
  const partA = buildPartA(kept, kinds, manifest.specialTokens, defaultPartAOptions(kept, kinds));
  const left = kinds.map((_, k) => (ids[k] as number[]).slice(-MAX_ORDER));
  return { blanks, segments, partA, window: report, healing, left };
}

function checkKinds(model: GlmModel, kinds: readonly BlankKind[]): void {
  const { manifest } = model;
  const unsupported = kinds.filter((k) => !manifest.maskKinds.includes(k));
  if (unsupported.length > 0) {
    throw new GlmError(
      'input',
      `Model "${manifest.name}" was not trained with ${[...new Set(unsupported)].join('/')} blanks ` +
        `(it knows ${manifest.maskKinds.join(', ')}).`,
    );
  }
}

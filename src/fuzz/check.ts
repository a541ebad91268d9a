import { withoutEmptyFills } from '../fill/emptyFills.js';
import {
  type BlankedText,
  type FilledSpan,
  type GlmModel,
  GlmError,
  type InfillResult,
  type MarkedText,
  type PlacedBlank,
  decodingOptions,
  fillEdit,
  inMarkedText,
  infill,
  parseMarkers,
  placeBlanks,
} from '../glm/index.js';
import { applyEdits } from '../glm/placement.js';
import { unfilledSpan } from '../glm/unfilled.js';
import type { FuzzCase } from './cases.js';

/** What one case did: the invariants it broke (none, we hope) and what it counted along the way. */
export interface CaseReport {
  violations: string[];
  /** The GlmError code it ended with, 'filled', or 'editor-only' (nothing to fill). */
  outcome: string;
  spans: number;
  /** Spans (candidates included) holding U+FFFD. */
  replacementSpans: number;
  unfilled: number;
}

// Errors a request may end with (README, "Reliability"): a bad request, and more blanks than positions.
const REQUEST_ERRORS = new Set(['input', 'too-many-blanks']);
// Tokens a span may take: maxTokens, the healed token, and 3 to finish a character cut at the limit.
const EXTRA_TOKENS = 1 + 3;

/** Runs a case through the markers front end and infill (the CLI's path) and as typed blanks → edits (the editor's). */
export async function checkCase(model: GlmModel, c: FuzzCase): Promise<CaseReport> {
  const report: CaseReport = { violations: [], outcome: 'filled', spans: 0, replacementSpans: 0, unfilled: 0 };
  try {
    const marked = parseMarkers(c.text, c.kindAtEnd);
    checkFill(model, c, marked, inMarkedText(marked, await infill(model, marked, c.options)), report);
  } catch (error) {
    report.outcome = error instanceof GlmError ? error.code : 'exception';
    if (!(error instanceof GlmError) || !REQUEST_ERRORS.has(error.code))
      report.violations.push(`threw ${String(error)}`);
    else if (error.code === 'too-many-blanks') checkTooMany(model, c, report);
  }
  await checkEditor(model, c, report);
  return report;
}

function checkFill(model: GlmModel, c: FuzzCase, marked: MarkedText, result: InfillResult, report: CaseReport): void {
  const v = report.violations;
  const blanks = placeBlanks(marked);
  const decoding = decodingOptions(c.options);
  if (result.spans.length !== blanks.length) v.push(`${result.spans.length} spans for ${blanks.length} blanks`);
  let expected = '';
  let cursor = 0;
  result.spans.forEach((span, i) => {
    if (!onItsMarker(c.text, blanks[i], marked.markers[i], span)) v.push(`span ${i} is not its marker's range`);
    if (span.start < cursor) v.push(`span ${i} out of order`);
    expected += c.text.slice(cursor, span.start) + (span.unfilled ? c.text.slice(span.start, span.end) : span.text);
    cursor = span.end;
    report.spans++;
    if (span.unfilled) report.unfilled++;
    if (span.unfilled !== unfilledSpan(span, decoding)) v.push(`span ${i} unfilled flag wrong`);
    if (decoding.requireContent && !span.unfilled && span.text.trim() === '') v.push(`span ${i} written without text`);
    if (
      span.candidates.length < 1 ||
      span.candidates.length > decoding.candidates ||
      span.candidates[0]?.text !== span.text
    )
      v.push(`span ${i} candidates`);
    for (const candidate of span.candidates) {
      if (candidate.text.includes('\uFFFD')) report.replacementSpans++;
      if (!model.tokenizer.decode(candidate.tokens).endsWith(candidate.text))
        v.push(`span ${i}: text is not its tokens' text`);
      if (candidate.tokens.length > decoding.maxTokens + EXTRA_TOKENS)
        v.push(`span ${i}: ${candidate.tokens.length} tokens`);
    }
  });
  expected += c.text.slice(cursor);
  if (result.text !== expected) v.push('the text outside the blanks changed');
  if (report.replacementSpans > 0 && !c.text.includes('\uFFFD')) v.push('U+FFFD in a span');
}

/** A span replaces its blank's marker in the source and, right before it, the space the blank took over. */
function onItsMarker(
  source: string,
  blank: PlacedBlank | undefined,
  marker: MarkedText['markers'][number] | undefined,
  span: FilledSpan,
): boolean {
  if (blank === undefined || marker === undefined || span.kind !== blank.kind || span.end !== marker.end) return false;
  return span.start === marker.start - blank.space.length && source.slice(span.start, marker.start) === blank.space;
}

function checkTooMany(model: GlmModel, c: FuzzCase, report: CaseReport): void {
  const k = parseMarkers(c.text, c.kindAtEnd).blanks.length;
  if (3 * k + 2 <= model.manifest.architecture.maxSequenceLength)
    report.violations.push(`too-many-blanks for ${k} blanks`);
}

/** The editor path: typed blanks in any text never fail a fill, what is written is text, and the edits give the core's text. */
async function checkEditor(model: GlmModel, c: FuzzCase, report: CaseReport): Promise<void> {
  if (c.text.trim() === '' || c.editorBlanks.length === 0) return;
  const request: BlankedText = { text: c.text, blanks: c.editorBlanks };
  let result: InfillResult;
  try {
    result = await infill(model, request, { ...c.options, tokenHealing: false });
  } catch (error) {
    if (!(error instanceof GlmError && error.code === 'too-many-blanks'))
      report.violations.push(`editor: threw ${String(error)}`);
    return;
  }
  const v = report.violations;
  if (result.spans.length !== c.editorBlanks.length)
    v.push(`editor: ${result.spans.length} spans for ${c.editorBlanks.length} blanks`);
  const placed = placeBlanks(request);
  const { fills } = withoutEmptyFills(
    result,
    result.spans.map((s) => (s.unfilled ? undefined : s.text)),
  );
  result.spans.forEach((span, i) => {
    const blank = placed[i];
    if (blank === undefined) return;
    if (span.start !== blank.start - blank.space.length || span.end !== blank.end)
      v.push(`editor: span ${i} not at its blank`);
    const fill = fills[i];
    if (fill !== undefined && fillEdit(c.text, blank, fill).text.trim() === '')
      v.push(`editor: blank ${i} written without text`);
  });
  // The smallest edits an editor writes give the same text as the core's own (fillEdit against the spans).
  const edits = result.spans
    .filter((s) => !s.unfilled)
    .map((s) => fillEdit(c.text, placed[s.index] as PlacedBlank, s.text));
  if (applyEdits(c.text, edits) !== result.text) v.push('editor: the edits give another text than the core');
}

import { createHash } from 'node:crypto';
import { type Blank, isBlankKind } from '../glm/index.js';

/**
 * Marked blanks saved with the text they were marked on, so they can come back after a window reload. Pure (no
 * 'vscode'): the editor saves a snapshot in workspace state and restores it when the document opens again.
 */
export interface BlankSnapshot {
  /** sha256 of the document text the offsets belong to. */
  hash: string;
  /** When it was saved (ms since the epoch): the oldest snapshots go first when there are too many. */
  savedAt: number;
  blanks: SavedBlank[];
}

/** A blank with its own text and its neighbours, which find it again when the text around it moved. */
export interface SavedBlank extends Blank {
  text: string;
  /** Up to CONTEXT characters before the blank; fewer only where the document starts. */
  before: string;
  /** Up to CONTEXT characters after the blank; fewer only where the document ends. */
  after: string;
}

export interface RestoredBlanks {
  /** The blanks that could be placed, at their offsets in the text now, in document order. */
  blanks: Blank[];
  /** How many could not be placed (their text or both neighbours changed, or they became ambiguous). */
  dropped: number;
  /** How many were placed at other offsets than they were saved at. */
  moved: number;
}

/** Characters of context kept on each side of a blank. */
export const CONTEXT = 32;

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function snapshotOf(text: string, blanks: readonly Blank[], savedAt: number): BlankSnapshot {
  return {
    hash: textHash(text),
    savedAt,
    blanks: [...blanks]
      .sort((a, b) => a.start - b.start || a.end - b.end)
      .map(({ start, end, kind }) => ({
        start,
        end,
        kind,
        text: text.slice(start, end),
        before: text.slice(Math.max(0, start - CONTEXT), start),
        after: text.slice(end, end + CONTEXT),
      })),
  };
}

/**
 * Places a snapshot's blanks in `text`. The same text (same hash): every blank where it was. Another text (the file
 * changed outside the editor): each blank goes where its own text still stands between both its neighbours (its old
 * offsets first, else the one place in the text); a non-empty blank also where its text stands next to one unchanged
 * neighbour, if that place is the only one. A blank whose own text changed (an edit overlapped it), or that two
 * places fit, is dropped: a blank must never land on text the user did not mark.
 */
export function restoreSnapshot(snapshot: BlankSnapshot, text: string): RestoredBlanks {
  if (snapshot.hash === textHash(text) && snapshot.blanks.every((b) => b.end <= text.length)) {
    return { blanks: snapshot.blanks.map(({ start, end, kind }) => ({ start, end, kind })), dropped: 0, moved: 0 };
  }
  const blanks: Blank[] = [];
  let dropped = 0;
  let moved = 0;
  for (const saved of snapshot.blanks) {
    const start = locate(saved, text);
    const end = start === undefined ? undefined : start + saved.text.length;
    if (start === undefined || end === undefined || blanks.some((b) => b.start < end && start < b.end)) {
      dropped++;
      continue;
    }
    if (start !== saved.start) moved++;
    blanks.push({ start, end, kind: saved.kind });
  }
  return { blanks: blanks.sort((a, b) => a.start - b.start), dropped, moved };
}

/** Where the saved blank starts in `text`, or undefined if no single place fits it. */
function locate(saved: SavedBlank, text: string): number | undefined {
  if (fitsAt(saved, text, saved.start, true, true)) return saved.start;
  const both = placesOf(saved, text, true, true);
  if (both.length === 1) return both[0];
  if (both.length > 1 || saved.text === '') return undefined;
  // One neighbour changed: the blank's text and its other neighbour decide, if they occur exactly once.
  const places = new Set([...placesOf(saved, text, true, false), ...placesOf(saved, text, false, true)]);
  return places.size === 1 ? [...places][0] : undefined;
}

/** Every start offset at which the blank's text stands with the chosen neighbours (at most two: enough to tell). */
function placesOf(saved: SavedBlank, text: string, before: boolean, after: boolean): number[] {
  const needle = (before ? saved.before : '') + saved.text + (after ? saved.after : '');
  const offset = before ? saved.before.length : 0;
  const places: number[] = [];
  for (let at = text.indexOf(needle); at >= 0 && places.length < 2; at = text.indexOf(needle, at + 1)) {
    if (fitsAt(saved, text, at + offset, before, after)) places.push(at + offset);
  }
  return places;
}

/**
 * Whether the blank's text stands at `start` with the chosen neighbours; a neighbour shorter than CONTEXT was cut
 * by the document's start or end, so it must be at that edge again.
 */
function fitsAt(saved: SavedBlank, text: string, start: number, before: boolean, after: boolean): boolean {
  const end = start + saved.text.length;
  if (text.slice(start, end) !== saved.text) return false;
  if (before && text.slice(start - saved.before.length, start) !== saved.before) return false;
  if (before && saved.before.length < CONTEXT && start !== saved.before.length) return false;
  if (after && text.slice(end, end + saved.after.length) !== saved.after) return false;
  if (after && saved.after.length < CONTEXT && end + saved.after.length !== text.length) return false;
  return true;
}

/** A snapshot read back from workspace state, checked field by field (an older or broken value is ignored). */
export function parseSnapshot(value: unknown): BlankSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { hash, savedAt, blanks } = value as Record<string, unknown>;
  if (typeof hash !== 'string' || typeof savedAt !== 'number' || !Array.isArray(blanks)) return undefined;
  return blanks.every(isSavedBlank) ? { hash, savedAt, blanks } : undefined;
}

function isSavedBlank(value: unknown): value is SavedBlank {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Record<string, unknown>;
  return (
    Number.isInteger(b.start) &&
    Number.isInteger(b.end) &&
    (b.start as number) >= 0 &&
    (b.end as number) >= (b.start as number) &&
    typeof b.kind === 'string' &&
    isBlankKind(b.kind) &&
    typeof b.text === 'string' &&
    b.text.length === (b.end as number) - (b.start as number) &&
    typeof b.before === 'string' &&
    typeof b.after === 'string'
  );
}

/** The `limit` most recently saved snapshots of a URI → snapshot record (workspace state must not grow forever). */
export function newestSnapshots(
  record: Readonly<Record<string, BlankSnapshot>>,
  limit: number,
): Record<string, BlankSnapshot> {
  const entries = Object.entries(record).sort(([, a], [, b]) => b.savedAt - a.savedAt);
  return Object.fromEntries(entries.slice(0, limit));
}

/**
 * The documents the walkthrough's buttons open ("GLM Infill: Open a Sample"): short texts on which the bundled model
 * writes what a reader expects, each with what is selected when it opens and the command that then runs on it.
 */
export interface Sample {
  language: string;
  text: string;
  /** The words selected when the sample opens, as [start, end) character offsets; an empty one is a cursor. */
  selections: [number, number][];
  /** A command run on the sample once it is open (the step's demonstration), if any. */
  then?: string;
}

export const SAMPLE_KINDS = ['fill', 'mark', 'ghost'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

const INSTALL = '## Install\n\nRun `npm ci` to install the dependencies.\n';
const COUNTER =
  'class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def increment(self):\n' +
  '        self.count += 1\n\n    def reset(self):\n        self.count = 0\n';
const DRAFT = '# Notes\n\nThe weather was fine today, so we went out for a';

/** Every occurrence of the whole word `word` (letters only) in `text` after the first `skip`, as a selection. */
function occurrences(text: string, word: string, skip = 0): [number, number][] {
  return [...text.matchAll(new RegExp(`\\b${word}\\b`, 'g'))]
    .map((m): [number, number] => [m.index, m.index + word.length])
    .slice(skip);
}

export const SAMPLES: Record<SampleKind, Sample> = {
  // The selected `ci` is the blank; the model reads "to install the dependencies" after it and writes `install`.
  fill: { language: 'markdown', text: INSTALL, selections: occurrences(INSTALL, 'ci') },
  // Both uses of the attribute after the one that defines it become marked blanks; Fill Blank writes `count` twice.
  mark: {
    language: 'python',
    text: COUNTER,
    selections: occurrences(COUNTER, 'count', 1),
    then: 'glmInfill.markBlank',
  },
  // The cursor at the end of a sentence in Markdown, where ghost text is on by default; the suggestion is asked for.
  ghost: {
    language: 'markdown',
    text: DRAFT,
    selections: [[DRAFT.length, DRAFT.length]],
    then: 'editor.action.inlineSuggest.trigger',
  },
};

/** The sample a command argument names; no argument is the first step's. */
export function sampleKind(argument: unknown): SampleKind | undefined {
  if (argument === undefined) return 'fill';
  return (SAMPLE_KINDS as readonly unknown[]).includes(argument) ? (argument as SampleKind) : undefined;
}

import type { InlinePause } from './inlinePause.js';

/**
 * The switches that decide whether ghost text may appear, and the one state they add up to: the status item shows
 * it, the inline provider obeys it, "Why No Suggestion?" explains it.
 */
export interface InlineSwitches {
  /** glmInfill.inline.enabled: the whole feature, asked-for suggestions included. */
  enabled: boolean;
  /** glmInfill.inline.trigger: 'manual' asks the model only on an explicit trigger (Alt+\). */
  trigger: 'automatic' | 'manual';
  /** glmInfill.inline.languages resolved for this document's language. */
  languageOn: boolean;
  languageId: string;
  pause: InlinePause;
}

export type InlineState = 'on' | 'manual' | 'paused' | 'off' | 'off for language';

export function inlineState(switches: InlineSwitches): InlineState {
  if (!switches.enabled) return 'off';
  if (!switches.languageOn) return 'off for language';
  if (switches.pause.paused) return 'paused';
  return switches.trigger === 'manual' ? 'manual' : 'on';
}

/** Why a request gets no suggestion before the model is asked, or undefined when it may go ahead. */
export interface Refusal {
  reason: string;
  remedy: string;
}

/**
 * An explicit request (Alt+\) goes ahead while paused or with the manual trigger: those stop only the suggestions
 * nobody asked for. "Off" and "off for this language" refuse it too, so the key stays free for another provider.
 */
export function inlineRefusal(switches: InlineSwitches, explicit: boolean): Refusal | undefined {
  switch (inlineState(switches)) {
    case 'off':
      return {
        reason: 'inline suggestions are off',
        remedy: 'Run "GLM Infill: Toggle Inline Suggestions" (or use "Fill Blank", which always works).',
      };
    case 'off for language':
      return {
        reason: `inline suggestions are off for ${switches.languageId} files`,
        remedy: `Turn them on for ${switches.languageId} from the GLM Infill status menu.`,
      };
    case 'paused':
      return explicit
        ? undefined
        : {
            reason: `inline suggestions are paused ${pauseText(switches.pause)}`,
            remedy: 'Resume them from the GLM Infill status menu, or press Alt+\\ to ask for one.',
          };
    case 'manual':
      return explicit
        ? undefined
        : {
            reason: 'automatic suggestions are off (glmInfill.inline.trigger is manual)',
            remedy: 'Press Alt+\\ to ask for one.',
          };
    case 'on':
      return undefined;
  }
}

/** "until 14:05" or "until turned on". */
export function pauseText(
  pause: InlinePause,
  time: (at: Date) => string = (at) => at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
): string {
  const end = pause.endsAt;
  return end ? `until ${time(end)}` : 'until turned on';
}

/** The languages map with one language switched: an explicit entry, so it wins over `*`. */
export function withLanguage(
  languages: Readonly<Record<string, boolean>>,
  languageId: string,
  on: boolean,
): Record<string, boolean> {
  return { ...languages, [languageId]: on };
}

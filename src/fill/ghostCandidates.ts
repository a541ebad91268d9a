import type { InfillOptions, SpanCandidate } from '../glm/index.js';
import type { Settings } from '../settings/schema.generated.js';

/**
 * What an inline suggestion asks of the core, besides the cursor's blank: the extension's provider and the CLI's
 * bench both decode with these, so the bench measures what a user waits for.
 */
export function inlineDecoding(settings: Settings): InfillOptions {
  return {
    maxTokens: settings.inline.maxTokens,
    minTokens: Math.min(settings.minTokens, settings.inline.maxTokens),
    tokenHealing: true, // the cursor is often inside a word being typed (see DecodingOptions.tokenHealing)
    contextCache: settings.context.enabled,
    temperature: settings.temperature,
    topP: settings.topP,
    // One Part A and one sop step for all: the first candidate is the greedy fill (or the first draw), the others
    // branch from the same K/V cache with the next likeliest first tokens (generate.ts fillBlank).
    candidates: settings.inline.candidates,
    select: 'likeliest',
  };
}

/** What ghostFills needs of a candidate. */
export type GhostCandidate = Pick<SpanCandidate, 'text' | 'draw' | 'stopReason'>;

/**
 * The fills to offer as ghost text (Alt+] / Alt+[ cycle them), at most `limit`: the first generated comes first (byte
 * for byte the single suggestion of a limit of 1), then the others best first. An alternative cut short by the time
 * budget, a fill with no visible text and a repeat of an earlier fill are left out, so cycling never shows a
 * fragment, nothing, or the same text twice.
 */
export function ghostFills(candidates: readonly GhostCandidate[], limit: number): string[] {
  const first = candidates.filter((c) => c.draw === 0);
  const others = candidates.filter((c) => c.draw !== 0 && c.stopReason !== 'cancelled');
  const fills: string[] = [];
  for (const { text } of [...first, ...others]) {
    if (fills.length >= limit) break;
    if (text.trim() !== '' && !fills.includes(text)) fills.push(text);
  }
  return fills;
}

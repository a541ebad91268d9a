import { type GlmModel, infill } from '../glm/index.js';

export interface SpeedReport {
  device: string;
  /** Decode speed in tokens per second, on a warm session. */
  tokensPerSecond: number;
  prefillMs: number;
  partATokens: number;
  /** Milliseconds per generated token. */
  msPerToken: number;
}

const SAMPLE =
  'The river runs through the old town, past the market and BLANK the bridge where fishermen sell their catch ' +
  'in the early morning. Visitors come for the view and stay for the food.';
const TOKENS = 24;

/**
 * The "measure speed" button: a fixed fill of exactly TOKENS tokens (min = max, so a model that would stop early
 * still runs the same number of steps), run twice so the figure is of a warm session, as fills see it.
 */
export async function measureSpeed(model: GlmModel): Promise<SpeedReport> {
  const options = { maxTokens: TOKENS, minTokens: TOKENS, temperature: 0 };
  const kind = model.manifest.maskKinds.includes('span') ? 'span' : (model.manifest.maskKinds[0] ?? 'span');
  const at = SAMPLE.indexOf('BLANK');
  const request = { text: SAMPLE.replace('BLANK', ''), blanks: [{ start: at, end: at, kind }] };
  await infill(model, request, options);
  const { timings } = await infill(model, request, options);
  return {
    device: model.device.used,
    tokensPerSecond: timings.tokensPerSecond,
    prefillMs: timings.prefillMs,
    partATokens: timings.partATokens,
    msPerToken: timings.generatedTokens > 0 ? timings.decodeMs / timings.generatedTokens : 0,
  };
}

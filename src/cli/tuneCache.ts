// Learns the context cache's mixing weights on development cases by EM (held-out interpolation, as n-gram models
// learn theirs): teacher-forced, every token of every original span is scored by the model and by the cache, and
// each weight — one per blank group × matched context length × occurrence count — becomes the mean posterior share
// of the cache among the tokens of its bin.
//
//   node dist/tune-cache.js --cases data/user/dev/cases.jsonl -m models/default [--write src/glm/cacheWeights.ts]
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadModel, readContextFiles } from '../glm/index.js';
import { COUNT_BINS, type CacheWeights, countBin, weightGroup } from '../glm/cacheMixture.js';
import { requestCache } from '../glm/cacheOptions.js';
import { MAX_ORDER } from '../glm/contextCache.js';
import { optionRows } from '../glm/cloze.js';
import { DecodeState } from '../glm/decoder.js';
import type { GlmModel } from '../glm/model.js';
import { prepare } from '../glm/prepare.js';
import { logNormalizer } from '../glm/processors.js';
import { userCaseKind } from './userCaseKind.js';

interface Case {
  id: string;
  bucket: string;
  shape?: string;
  text: string;
  blanks: { start: number; end: number; original: string }[];
  contextFiles?: string[];
}
/** One original token: the model's p, its end p, the cache's p and its bin (undefined: the cache had no match). */
interface TokenStat {
  pModel: number;
  pEnd: number;
  pCache: number;
  bin?: { group: keyof CacheWeights; order: number; count: number };
}

const MAX_TOKENS = 48;
const PRIOR = 10; // pseudo-tokens pulling a sparse bin towards its group's pooled weight

async function caseStats(model: GlmModel, c: Case, folder: string): Promise<TokenStat[]> {
  const blank = c.blanks[0] as Case['blanks'][number];
  const kind = userCaseKind(c, blank.start, blank.end);
  const prepared = prepare(
    model,
    { text: c.text, blanks: [{ start: blank.start, end: blank.end, kind }] },
    MAX_TOKENS + 1,
    false,
  );
  // The original as a fill would give it: with the space the blank took over.
  const ids = model.tokenizer.encode((prepared.blanks[0]?.space ?? '') + blank.original).slice(0, MAX_TOKENS);
  const { texts } = await readContextFiles((c.contextFiles ?? []).map((f) => resolve(folder, f)));
  const mix = requestCache(model, prepared.segments, { contextTexts: texts });
  if (mix === undefined) return [];
  const special = model.manifest.specialTokens;
  const rows = await optionRows(model, await DecodeState.prefill(model.engine, prepared.partA), ids, special.sop);
  const left = prepared.left[0] as number[];
  return ids.map((id, j) => {
    const row = rows[j] as Float32Array;
    const normalizer = logNormalizer(row);
    const p = (t: number): number => Math.exp((row[t] as number) - normalizer);
    const history = [...left, ...ids.slice(0, j)].slice(-MAX_ORDER);
    const prediction = mix.cache.predict(history);
    const stat: TokenStat = { pModel: p(id), pEnd: p(special.eop) + p(special.eos), pCache: 0 };
    if (prediction === undefined) return stat;
    stat.pCache = (prediction.counts.get(id) ?? 0) / prediction.total;
    stat.bin = { group: weightGroup(kind), order: prediction.order, count: countBin(prediction.total) };
    return stat;
  });
}

/** The mixture's probability of the token under weight w. */
function mixed(s: TokenStat, w: number): number {
  return (1 - w) * s.pModel + w * (1 - s.pEnd) * s.pCache;
}

function emWeight(stats: readonly TokenStat[], prior: number, priorMass: number): number {
  if (stats.length === 0) return prior;
  let w = prior > 0 ? prior : 0.1;
  for (let step = 0; step < 100; step++) {
    let share = 0;
    for (const s of stats) share += (w * (1 - s.pEnd) * s.pCache) / Math.max(mixed(s, w), 1e-30);
    w = (share + priorMass * prior) / (stats.length + priorMass);
  }
  return Math.min(w, 0.99);
}

function learn(stats: readonly TokenStat[]): CacheWeights {
  const weights: CacheWeights = { span: [], long: [] };
  for (const group of ['span', 'long'] as const) {
    const mine = stats.filter((s) => s.bin?.group === group);
    const pooled = emWeight(mine, 0, 0);
    for (let order = 1; order <= MAX_ORDER; order++) {
      weights[group].push(
        COUNT_BINS.map((_, count) =>
          round(
            emWeight(
              mine.filter((s) => s.bin?.order === order && s.bin.count === count),
              pooled,
              PRIOR,
            ),
          ),
        ),
      );
    }
  }
  return weights;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function logLikelihood(stats: readonly TokenStat[], weights: CacheWeights | undefined): number {
  return (
    stats.reduce((sum, s) => {
      const w = weights && s.bin ? ((weights[s.bin.group][s.bin.order - 1] as number[])[s.bin.count] as number) : 0;
      return sum + Math.log(Math.max(mixed(s, w), 1e-30));
    }, 0) / stats.length
  );
}

function source(weights: CacheWeights, command: string, summary: string): string {
  const table = (rows: number[][]): string => rows.map((r, i) => `    [${r.join(', ')}], // order ${i + 1}`).join('\n');
  return `import type { CacheWeights } from './cacheMixture.js';

/**
 * The context cache's mixing weights, learned by EM on the development split of user-shaped cases (teacher-forced
 * original spans; rows: matched context length 1–${MAX_ORDER}; columns: occurrences ${COUNT_BINS.join(', ')}). Regenerate with
 *   ${command}
 * ${summary}
 */
export const LEARNED_CACHE_WEIGHTS: CacheWeights = {
  span: [
${table(weights.span)}
  ],
  long: [
${table(weights.long)}
  ],
};
`;
}

async function main(): Promise<void> {
  const opts = new Command('glm-infill-tune-cache')
    .requiredOption('--cases <file>', 'development cases (python3 -m models.glm.user_cases)')
    .option('-m, --model <folder>', 'model folder', 'models/default')
    .option('--write <file>', 'write the weights as TypeScript (src/glm/cacheWeights.ts)')
    .parse()
    .opts<{ cases: string; model: string; write?: string }>();
  const cases = readFileSync(opts.cases, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Case);
  const model = await loadModel(opts.model, { device: 'cpu', threads: 1 });
  const stats: TokenStat[] = [];
  try {
    for (const c of cases) stats.push(...(await caseStats(model, c, dirname(resolve(opts.cases)))));
  } finally {
    await model.dispose();
  }
  const weights = learn(stats);
  const matched = stats.filter((s) => s.bin).length;
  const summary =
    `${cases.length} cases, ${stats.length} tokens (${matched} with a cache match); mean log-likelihood per token ` +
    `${logLikelihood(stats, undefined).toFixed(3)} (model alone) → ${logLikelihood(stats, weights).toFixed(3)} (mixture).`;
  console.log(JSON.stringify(weights));
  console.log(summary);
  if (opts.write) {
    writeFileSync(
      opts.write,
      source(weights, `node dist/tune-cache.js --cases ${opts.cases} -m ${opts.model} --write ${opts.write}`, summary),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});

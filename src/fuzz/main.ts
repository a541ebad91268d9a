// The long fuzz run: `node dist/fuzz.js --cases 10000` (the unit suite runs a short seeded one, test/unit/fuzz.test.ts).
import { Command, InvalidArgumentError } from 'commander';
import { loadModel } from '../glm/index.js';
import { fuzz } from './run.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a whole number.');
  return n;
}

async function main(): Promise<void> {
  const opts = new Command('glm-infill-fuzz')
    .description(
      'Fill random texts × blank layouts × decoding options and check the invariants of README "Reliability"; ' +
        'prints a JSON summary, exit 1 on any violation.',
    )
    .option('-m, --model <folder>', 'model folder', 'test/fixtures/tiny')
    .option('--cases <n>', 'cases to run', count, 1000)
    .option('--seed <n>', 'run seed (cases are the same for the same seed)', count, 1)
    .option('--from <i>', 'first case index (re-run one case: --from i --cases 1)', count, 0)
    .option('--threads <n>', 'intra-op threads', count, 1)
    .parse()
    .opts<{ model: string; cases: number; seed: number; from: number; threads: number }>();
  const model = await loadModel(opts.model, { device: 'cpu', threads: opts.threads });
  try {
    const summary = await fuzz(model, opts.seed, opts.from, opts.cases, (done) => {
      if (done % 1000 === 0) process.stderr.write(`glm-infill-fuzz: ${done} of ${opts.cases}\n`);
    });
    process.stdout.write(`${JSON.stringify({ model: model.manifest.name, ...summary }, null, 2)}\n`);
    process.exitCode = summary.violations > 0 ? 1 : 0;
  } finally {
    await model.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`glm-infill-fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});

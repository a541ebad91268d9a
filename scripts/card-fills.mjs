// Prints the model card's "real fills" table: each job of models/card-fills.json through the CLI, greedy (the CLI's
// default) and as the consensus of the 8 greedy candidates (Fill Blank with glmInfill.consensus 8).
//
//   node scripts/card-fills.mjs [model folder]      (after npm run build)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const model = process.argv[2] ?? 'models/default';
const jobs = JSON.parse(readFileSync(new URL('../models/card-fills.json', import.meta.url), 'utf8'));
const DECODINGS = [[], ['-c', '8', '--select', 'consensus']];

// JSON escapes show whitespace; a code span with backticks inside needs double-backtick fences.
const cell = (s) => {
  const shown = JSON.stringify(s).slice(1, -1).replaceAll('|', '\\|');
  return shown.includes('`') ? `\`\` ${shown} \`\`` : `\`${shown}\``;
};

function fills(text, decoding) {
  const run = spawnSync(process.execPath, ['dist/cli.js', '-m', model, '--threads', '1', '--json', ...decoding, text], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${text}: ${run.stderr}`);
  return JSON.parse(run.stdout)
    .spans.map((s) => cell(s.text))
    .join(', ');
}

console.log('| job | text | greedy fill | consensus of 8 greedy candidates |\n|---|---|---|---|');
for (const { job, text } of jobs)
  console.log(`| ${job} | ${cell(text)} | ${DECODINGS.map((d) => fills(text, d)).join(' | ')} |`);

// Prints the model card's "real fills" table: each job of models/card-fills.json through the CLI (greedy, defaults).
//
//   node scripts/card-fills.mjs [model folder]      (after npm run build)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const model = process.argv[2] ?? 'models/default';
const jobs = JSON.parse(readFileSync(new URL('../models/card-fills.json', import.meta.url), 'utf8'));
// JSON escapes show whitespace; a code span with backticks inside needs double-backtick fences.
const cell = (s) => {
  const shown = JSON.stringify(s).slice(1, -1).replaceAll('|', '\\|');
  return shown.includes('`') ? `\`\` ${shown} \`\`` : `\`${shown}\``;
};

console.log('| job | text | fill |\n|---|---|---|');
for (const { job, text } of jobs) {
  const run = spawnSync(process.execPath, ['dist/cli.js', '-m', model, '--threads', '1', '--json', text], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${job}: ${run.stderr}`);
  const fills = JSON.parse(run.stdout).spans.map((s) => cell(s.text)).join(', ');
  console.log(`| ${job} | ${cell(text)} | ${fills} |`);
}

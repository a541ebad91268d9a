// Token healing where it matters: a cursor inside a word. Each held-out short blank that starts with a word of 4+
// letters becomes "first 2 letters typed, [MASK] for the rest"; the fill is scored against the rest of the word
// (edit similarity, exact match), greedy, with token healing on and off.
//
//   npx esbuild --bundle --platform=node --format=cjs --external:onnxruntime-node --external:@huggingface/tokenizers \
//     scripts/midword-eval.ts --outfile=out/midword-eval.cjs && node out/midword-eval.cjs
import { readFileSync } from 'node:fs';
import { infill, loadModel, parseMarkers } from '../src/glm/index.js';
import { editSimilarity } from '../src/glm/similarity.js';

async function main(): Promise<void> {
  const model = await loadModel('models/default', { device: 'cpu', threads: 1 });
  const cases = readFileSync('data/eval/cases.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const rows: Record<string, { n: number; on: number; off: number; exOn: number; exOff: number }> = {};
  for (const c of cases) {
    if (c.kind !== 'short') continue;
    const b = c.blanks[0];
    const m = /^[A-Za-z_]{4,}/.exec(b.original);
    if (!m) continue;
    const typed = b.original.slice(0, 2);
    const rest = b.original.slice(2);
    const text = c.text.slice(0, b.start) + typed + '[MASK]' + c.text.slice(b.end);
    const r = (rows[c.bucket] ??= { n: 0, on: 0, off: 0, exOn: 0, exOff: 0 });
    r.n++;
    for (const heal of [true, false]) {
      const fill =
        (await infill(model, parseMarkers(text), { maxTokens: 12, tokenHealing: heal })).spans[0]?.text ?? '';
      const sim = editSimilarity(fill, rest);
      if (heal) {
        r.on += sim;
        r.exOn += fill === rest ? 1 : 0;
      } else {
        r.off += sim;
        r.exOff += fill === rest ? 1 : 0;
      }
    }
  }
  for (const [k, r] of Object.entries(rows)) {
    console.log(
      `${k}: ${r.n} words, edit similarity % healing on ${((100 * r.on) / r.n).toFixed(1)} / off ${((100 * r.off) / r.n).toFixed(1)}, exact ${r.exOn} / ${r.exOff}`,
    );
  }
  await model.dispose();
}
void main();

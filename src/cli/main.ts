import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  BLANK_KINDS,
  type BlankKind,
  type ClozeResult,
  DEVICES,
  type DecodingOptions,
  type Device,
  type GlmModel,
  type InfillResult,
  decodingOptions,
  MAX_THREADS,
  inMarkedText,
  infill,
  loadModel,
  parseMarkers,
  rankOptions,
  readContextFiles,
  unfilledNote,
} from '../glm/index.js';
import { defaultModelFolder } from '../fill/modelFolder.js';
import { FLAG_DEFAULTS, packageRoot } from './defaults.js';
import { EXIT, UsageError, endQuietlyOnClosedPipe, exitCodeOf, readInputText } from './io.js';

// The decoding flags map one to one onto the core's decoding options.
interface CliOptions extends Omit<DecodingOptions, 'signal' | 'onToken' | 'onDraft'> {
  file?: string;
  model: string;
  device: Device;
  threads: number;
  mode: BlankKind;
  options?: string;
  json: boolean;
  contextFile: string[];
  contextCache: boolean;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer.');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** --threads: onnxruntime aborts or crawls on thousands of threads and takes -1 for a broken model, so bound it here. */
function threadCount(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > MAX_THREADS) {
    throw new InvalidArgumentError(
      `must be an integer from 0 to ${MAX_THREADS} (0 = automatic: half the cores, at most 4).`,
    );
  }
  return n;
}

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
}

function program(): Command {
  const command = new Command('glm-infill')
    .description(
      'Fill the blanks of a text with a local GLM. Blanks are written [MASK] (a span), [sMASK] (a sentence) ' +
        'or [gMASK] (the rest of the document); text without any gets a blank of --mode at its end. \\[MASK] is the text ' +
        '"[MASK]", not a blank.',
    )
    .argument('[text...]', 'text with blanks (else --file, else standard input)')
    .option('-f, --file <path>', 'read the text from a file ("-" for standard input)')
    .option(
      '-m, --model <folder>',
      'model folder with glm.json, model.onnx, tokenizer.json',
      defaultModelFolder(packageRoot()),
    )
    .addOption(
      new Option(
        '-d, --device <device>',
        'where to run (wasm: the WebAssembly runtime); falls back to the CPU, or to wasm without a native binary, with a note',
      )
        .choices(DEVICES)
        .default(FLAG_DEFAULTS.device),
    )
    .option(
      '--threads <n>',
      `CPU threads, 0–${MAX_THREADS}; 0 = automatic (half the cores, at most 4)`,
      threadCount,
      FLAG_DEFAULTS.threads,
    )
    .addOption(
      new Option('--mode <kind>', 'kind of the blank added to text without markers')
        .choices(BLANK_KINDS)
        .default('document'),
    );
  return requestFlags(ruleFlags(decodingFlags(command)));
}

/** How each blank is decoded (the core's DecodingOptions, one flag each): length, sampling, repetition. */
function decodingFlags(command: Command): Command {
  return command
    .option('-n, --max-tokens <n>', 'tokens per blank at most', integer, FLAG_DEFAULTS.maxTokens)
    .option(
      '--min-tokens <n>',
      'tokens per blank at least (blocks the end token until then)',
      integer,
      FLAG_DEFAULTS.minTokens,
    )
    .option('-t, --temperature <t>', 'sampling temperature; 0 = greedy', number, FLAG_DEFAULTS.temperature)
    .option('--top-k <k>', 'sample among the k most likely tokens; 0 = all', integer, FLAG_DEFAULTS.topK)
    .option('--top-p <p>', 'sample within probability mass p; 1 = all', number, FLAG_DEFAULTS.topP)
    .option(
      '--repetition-penalty <r>',
      'penalty for tokens already generated; 1 = none',
      number,
      FLAG_DEFAULTS.repetitionPenalty,
    )
    .option(
      '--max-repeats <n>',
      'a piece of 1–16 tokens may repeat this many times in a row in a fill; 0 = no limit',
      integer,
      FLAG_DEFAULTS.maxRepeats,
    )
    .option(
      '--block-repeated-ngrams <n>',
      'no n-gram of n tokens comes twice in a fill; 0 = off',
      integer,
      FLAG_DEFAULTS.blockRepeatedNgrams,
    )
    .option('--seed <n>', 'seed for sampling', integer, FLAG_DEFAULTS.seed);
}

/** When a fill stops, and which candidate fills the blank. */
function ruleFlags(command: Command): Command {
  return command
    .option('--no-require-content', 'allow empty and whitespace-only fills (by default a fill holds some text)')
    .option('--no-stop-at-echo', 'let a fill go on repeating the text after its blank (by default it stops there)')
    .option(
      '--token-healing',
      're-generate the last token of a word the blank touches (for a blank inside a word)',
      FLAG_DEFAULTS.tokenHealing,
    )
    .option(
      '--no-end-at-likeliest',
      'keep a span fill whole where it runs on past its likeliest end (by default it is cut back there)',
    )
    .addOption(
      new Option(
        '--select <how>',
        'which candidate fills the blank: the likeliest, the likeliest per token, or the consensus (most like the others)',
      )
        .choices(['likeliest', 'per-token', 'consensus'])
        .default(FLAG_DEFAULTS.select),
    )
    .option('-c, --candidates <n>', 'candidates per blank (best first)', integer, FLAG_DEFAULTS.candidates)
    .option(
      '--no-lookup-drafting',
      'decode one token per model run (by default greedy fills draft tokens from the text and check them in one run; the fills are the same)',
    );
}

/** The context cache, ranking instead of generating, and the output. */
function requestFlags(command: Command): Command {
  return command
    .option(
      '--context-file <path>',
      'more text for the context cache, e.g. other files of the project (repeatable)',
      collect,
      [],
    )
    .option('--no-context-cache', 'do not mix a cache of the text and the context files into the model (on by default)')
    .option('--options <a|b|…>', 'rank these fills of the single blank instead of generating')
    .option('--json', 'print JSON: spans, candidates, timings, tokens/s', false)
    .showHelpAfterError('(run glm-infill --help for usage)')
    .exitOverride();
}

async function run(argv: readonly string[]): Promise<number> {
  const cli = program();
  try {
    cli.parse(argv as string[], { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const opts = cli.opts<CliOptions>();
  const text = await readInputText(cli.args, opts.file);
  const choices = opts.options === undefined ? undefined : parseChoices(opts.options);
  // Check the markers and the decoding options before the model loads, so a typo fails fast.
  const marked = parseMarkers(text, choices === undefined ? opts.mode : 'span');
  const decoding = decodingOptions({ ...opts, signal: undefined });
  const cache = { contextCache: opts.contextCache, contextTexts: await contextTexts(opts) };
  const model = await loadModel(opts.model, { device: opts.device, threads: opts.threads });
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    noteDevice(model);
    if (choices !== undefined) {
      const result = await rankOptions(model, marked, choices, controller.signal, false, cache);
      process.stdout.write(
        opts.json ? `${JSON.stringify(clozeJson(model, result), null, 2)}\n` : formatRanking(result),
      );
      return EXIT.ok;
    }
    const result = inMarkedText(
      marked,
      await infill(model, marked, { ...decoding, ...cache, signal: controller.signal }),
    );
    process.stdout.write(
      opts.json ? `${JSON.stringify(infillJson(model, result), null, 2)}\n` : withNewline(result.text),
    );
    if (result.cancelled) process.stderr.write('glm-infill: interrupted; blanks not reached keep their markers\n');
    // A blank that got no text keeps its marker in the output; a script must not take that for a complete fill.
    const unfilled = unfilledNote(result.spans);
    if (unfilled !== undefined) process.stderr.write(`glm-infill: ${unfilled}\n`);
    if (result.cancelled) return EXIT.interrupted;
    return unfilled === undefined ? EXIT.ok : EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
    await model.dispose();
  }
}

/** The context files' texts; one that cannot be used is skipped with a note on stderr, and the fill runs. */
async function contextTexts(opts: CliOptions): Promise<string[]> {
  if (!opts.contextCache || opts.contextFile.length === 0) return [];
  const { texts, skipped } = await readContextFiles(opts.contextFile);
  for (const { path, reason } of skipped) process.stderr.write(`glm-infill: context file ${path} skipped: ${reason}\n`);
  return texts;
}

function parseChoices(value: string): string[] {
  const choices = value.split('|');
  if (choices.length < 2 || choices.some((c) => c.trim() === '')) {
    throw new UsageError('--options needs at least two non-empty fills separated by "|", e.g. --options "good|bad"');
  }
  return choices;
}

function noteDevice(model: GlmModel): void {
  const { requested, used, fallbackReason, runtimeFailure } = model.device;
  if (runtimeFailure)
    process.stderr.write(
      `glm-infill: running on WebAssembly instead of the native runtime because ${runtimeFailure}\n`,
    );
  else if (requested !== 'auto' && requested !== used)
    process.stderr.write(`glm-infill: running on ${used} instead of ${requested}: ${fallbackReason}\n`);
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function formatRanking(result: ClozeResult): string {
  return result.options.map((o) => `${o.probability.toFixed(4)}\t${o.logProb.toFixed(3)}\t${o.option}\n`).join('');
}

function modelJson(model: GlmModel): object {
  return { name: model.manifest.name, folder: model.folder, device: model.device, loadMs: model.loadMs };
}

function infillJson(model: GlmModel, result: InfillResult): object {
  return { model: modelJson(model), ...result };
}

function clozeJson(model: GlmModel, result: ClozeResult): object {
  return { model: modelJson(model), ...result };
}

endQuietlyOnClosedPipe();
run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`glm-infill: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeOf(error);
  },
);

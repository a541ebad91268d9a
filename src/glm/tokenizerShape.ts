import { isDeepStrictEqual } from 'node:util';

/**
 * The tokenizer.json parts that run regular expressions or could (pre-tokenizer, normalizer, decoder), limited to
 * the ones this project writes: models/glm/tokenizer.py (GPT-2's byte level, or byte level after a Split that isolates
 * brackets) and models/glm/thudm_tokenizers.py (GPT-2/RoBERTa byte level, BERT WordPiece). @huggingface/tokenizers
 * runs a tokenizer's regexes in plain JavaScript on the caller's thread, so a model folder bringing its own pattern
 * (`(a+)+b`: 55 s for 30 characters) would freeze the extension host. These copies must stay equal to the writers'.
 */

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

// models/glm/tokenizer.py PRETOKENIZE_BRACKETS: GPT-2's rule with every bracket a piece of its own.
const BRACKETS_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[()\\[\\]{}]| ?[^\\s\\p{L}\\p{N}()\\[\\]{}]+|\\s+(?!\\S)|\\s+";

const PRE_TOKENIZERS: readonly unknown[] = [
  BYTE_LEVEL,
  {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: BRACKETS_PATTERN }, behavior: 'Isolated', invert: false },
      { ...BYTE_LEVEL, use_regex: false },
    ],
  },
  { type: 'BertPreTokenizer' },
];

// models/glm/thudm_tokenizers.py WORD_SPACED_DECODER: a space before every WordPiece word, "##" pieces joined.
const WORD_SPACED_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { Regex: '^(?!##|[.,!?;:)\\]}])' }, content: ' ' },
    { type: 'Replace', pattern: { Regex: '^##' }, content: '' },
    { type: 'Fuse' },
  ],
};

const DECODERS: readonly unknown[] = [BYTE_LEVEL, WORD_SPACED_DECODER];

const MODELS = ['BPE', 'WordPiece'];

/** What in a parsed tokenizer.json is not one of the known shapes; empty when it is safe to load. */
export function tokenizerShapeProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!PRE_TOKENIZERS.some((known) => isDeepStrictEqual(json.pre_tokenizer, known))) {
    problems.push("its pre_tokenizer is not GPT-2's byte level, byte level with isolated brackets, or BERT's");
  }
  if (!isKnownNormalizer(json.normalizer)) problems.push("its normalizer is neither none nor BERT's");
  if (!DECODERS.some((known) => isDeepStrictEqual(json.decoder, known))) {
    problems.push('its decoder is neither byte level nor the WordPiece decoder of the THUDM converter');
  }
  if ((json.post_processor ?? null) !== null)
    problems.push('it has a post_processor (GLM adds its special tokens itself)');
  const model = json.model as { type?: unknown } | undefined;
  if (!MODELS.includes(String(model?.type))) problems.push('its model is neither BPE nor WordPiece');
  return problems;
}

/** BERT's normalizer has switches only, no pattern. */
function isKnownNormalizer(normalizer: unknown): boolean {
  if (normalizer === null || normalizer === undefined) return true;
  if (typeof normalizer !== 'object' || (normalizer as { type?: unknown }).type !== 'BertNormalizer') return false;
  const switches = ['clean_text', 'handle_chinese_chars', 'strip_accents', 'lowercase'];
  return Object.entries(normalizer).every(
    ([key, value]) => key === 'type' || (switches.includes(key) && (value === null || typeof value === 'boolean')),
  );
}

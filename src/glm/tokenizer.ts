import { basename, dirname } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GlmError } from './errors.js';
import { SPECIAL_TOKEN_TEXT, type SpecialTokens } from './manifest.js';
import { MAX_BYTES, parseModelJson, readModelText } from './modelFiles.js';
import { tokenizerShapeProblems } from './tokenizerShape.js';

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  [key: string]: unknown;
}

/** Whitespace-only token ids: `inline` (spaces, tabs) and `lineBreak` (holding \n or \r). */
export interface WhitespaceIds {
  inline: ReadonlySet<number>;
  lineBreak: ReadonlySet<number>;
}

// Decoded code must come back byte for byte, so the transformers-style space clean-up stays off.
const DECODE_OPTIONS = { skip_special_tokens: false, clean_up_tokenization_spaces: false } as const;

/**
 * Byte-level BPE from a Hugging Face `tokenizer.json`. Plain text is encoded with the added tokens removed,
 * so a document that happens to contain `<|endoftext|>` or `[CLS]` is just text (contract: "plain text is
 * encoded without any special-token handling being triggered"); blanks become mask ids in the layout, not here.
 */
export class GlmTokenizer {
  /** Number of ids the tokenizer defines; ids from here up to the model's vocabSize are padding rows. */
  readonly size: number;

  private constructor(
    private readonly plain: Tokenizer,
    private readonly full: Tokenizer,
    size: number,
  ) {
    this.size = size;
  }

  static async load(file: string, special: SpecialTokens): Promise<GlmTokenizer> {
    const json = await readTokenizerJson(file);
    checkSpecialTokens(json, special, file);
    try {
      const full = new Tokenizer(json, { clean_up_tokenization_spaces: false });
      const plain = new Tokenizer({ ...json, added_tokens: [] }, { clean_up_tokenization_spaces: false });
      return new GlmTokenizer(plain, full, full.get_vocab(true).size);
    } catch (error) {
      // The library's message may quote the file (a vocabulary entry, a pattern): the cause keeps it for logs.
      throw new GlmError(
        'model-invalid',
        `${file} could not be loaded as a tokenizer: the tokenizers library rejected it.`,
        { cause: error },
      );
    }
  }

  /** Ids of plain text; special-token strings inside it are encoded as ordinary characters. */
  encode(text: string): number[] {
    return text === '' ? [] : this.plain.encode(text, { add_special_tokens: false }).ids;
  }

  /** Ids whose text is only whitespace, split by whether it holds a line break (computed once, on first use). */
  whitespace(): WhitespaceIds {
    if (this.whitespaceIds === undefined) {
      const inline = new Set<number>();
      const lineBreak = new Set<number>();
      for (let id = 0; id < this.size; id++) {
        const text = this.decode([id]);
        if (/^\s+$/.test(text)) (/[\n\r]/.test(text) ? lineBreak : inline).add(id);
      }
      this.whitespaceIds = { inline, lineBreak };
    }
    return this.whitespaceIds;
  }

  private whitespaceIds: WhitespaceIds | undefined;

  /** Ids whose text starts with `prefix` (the texts of all ids are decoded once, on first use). */
  idsStartingWith(prefix: string): Set<number> {
    this.idTexts ??= Array.from({ length: this.size }, (_, id) => this.decode([id]));
    const ids = new Set<number>();
    this.idTexts.forEach((text, id) => text.startsWith(prefix) && ids.add(id));
    return ids;
  }

  private idTexts: string[] | undefined;

  /** The vocabulary's string for an id (byte-level BPE: one character per byte), for utf8Guard.ts. */
  tokenString(id: number): string | undefined {
    return this.full.id_to_token(id);
  }

  /** Text of ids; special tokens are rendered by name. The empty list decodes to the empty string. */
  decode(ids: readonly number[]): string {
    return ids.length === 0 ? '' : this.full.decode([...ids], DECODE_OPTIONS);
  }
}

/** Read as every model file is (inside its folder, regular, bounded), parsed, and limited to known shapes. */
async function readTokenizerJson(file: string): Promise<TokenizerJson> {
  const text = await readModelText(dirname(file), basename(file), 'Tokenizer file', MAX_BYTES.tokenizer);
  const json = parseModelJson(text, file, 'tokenizer.json');
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('model' in json)) {
    throw new GlmError('model-invalid', `${file} is not a Hugging Face tokenizer.json: no "model" section.`);
  }
  const problems = tokenizerShapeProblems(json as Record<string, unknown>);
  if (problems.length > 0) {
    throw new GlmError(
      'model-invalid',
      `${file} is not a tokenizer GLM Infill can run safely: ${problems.join('; ')}. ` +
        'Tokenizers written by models/glm/tokenizer.py or the THUDM converter are.',
    );
  }
  return json as TokenizerJson;
}

/** Every special token of the manifest must be an added special token with the same id. */
function checkSpecialTokens(json: TokenizerJson, special: SpecialTokens, file: string): void {
  const byContent = new Map((json.added_tokens ?? []).map((t) => [t.content, t]));
  const problems: string[] = [];
  for (const [key, content] of Object.entries(SPECIAL_TOKEN_TEXT) as [keyof SpecialTokens, string][]) {
    const token = byContent.get(content);
    if (token === undefined) problems.push(`${content} is missing`);
    else if (token.id !== special[key])
      problems.push(`${content} has id ${idText(token.id)} but glm.json says ${key} = ${special[key]}`);
  }
  if (problems.length > 0) {
    throw new GlmError(
      'model-invalid',
      `${file} lacks GLM's special tokens as glm.json declares them: ` + `${[...new Set(problems)].join('; ')}.`,
    );
  }
}

/** An id from the file, shown only when it is one (the field could hold any text). */
function idText(id: unknown): string {
  return Number.isInteger(id) ? String(id) : 'a non-number';
}

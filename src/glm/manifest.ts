import { join } from 'node:path';
import { type BlankKind, isBlankKind } from './blank.js';
import { GlmError, errorText } from './errors.js';
import { MAX_BYTES, fileNameProblem, parseModelJson, readModelText } from './modelFiles.js';
import type { GraphNode } from './graphNodes.js';
import { type CacheLayout, cacheLayoutOf } from './kvcache.js';

/** `glm.json`: the description of a model folder (docs/model-contract.md). */
export interface Manifest {
  format: 'glm-infill-model';
  formatVersion: 1;
  name: string;
  architecture: Architecture;
  tokenizer: string;
  model: string;
  externalData: string | null;
  weights: string;
  specialTokens: SpecialTokens;
  maskKinds: BlankKind[];
  provenance: Record<string, unknown>;
}

export interface Architecture {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  /** S: positions and block positions stay ≤ S; Part A plus Part B should fit in S tokens. */
  maxSequenceLength: number;
  gelu: string;
}

export interface SpecialTokens {
  eos: number;
  pad: number;
  cls: number;
  mask: number;
  smask: number;
  gmask: number;
  sop: number;
  eop: number;
}

export const MANIFEST_FILE = 'glm.json';

/** The token text behind each special id; the tokenizer must map these strings to the manifest's ids. */
export const SPECIAL_TOKEN_TEXT: Readonly<Record<keyof SpecialTokens, string>> = {
  eos: '<|endoftext|>',
  pad: '<|endoftext|>',
  cls: '[CLS]',
  mask: '[MASK]',
  smask: '[sMASK]',
  gmask: '[gMASK]',
  sop: '<|startofpiece|>',
  eop: '<|endofpiece|>',
};

/**
 * Upper bounds of the architecture numbers, checked before anything is sized by them (numLayers 10⁹ once built 4·10⁹
 * graph names; an n² attention mask of a huge S does not fit a typed array). Far above any GLM (GLM-130B: 70 layers,
 * 96 heads, 12,288 hidden, S 2,048); S also bounds the prefill mask, S² floats: 256 MiB at the limit.
 */
export const ARCHITECTURE_LIMITS = {
  vocabSize: 1 << 20,
  hiddenSize: 1 << 16,
  numLayers: 1024,
  numHeads: 1024,
  headDim: 4096,
  maxSequenceLength: 8192,
} as const;

const ARCHITECTURE_INTS = Object.keys(ARCHITECTURE_LIMITS) as (keyof typeof ARCHITECTURE_LIMITS)[];

/** Reads and checks `glm.json` in a model folder; the ONNX and tokenizer checks come once those are loaded. */
export async function loadManifest(folder: string): Promise<Manifest> {
  const file = join(folder, MANIFEST_FILE);
  let text: string;
  try {
    text = await readModelText(folder, MANIFEST_FILE, 'Model manifest', MAX_BYTES.manifest);
  } catch (error) {
    if (!(error instanceof GlmError && error.code === 'model-missing')) throw error;
    throw new GlmError(
      'model-missing',
      `No model manifest at ${file} (${errorText(error.cause ?? error)}): ` +
        'point the model folder at a directory with glm.json, model.onnx and tokenizer.json.',
      { cause: error },
    );
  }
  return parseManifest(parseModelJson(text, file, 'manifest'), file);
}

/** Validates the structure of a parsed manifest; `file` only names the source in messages. */
export function parseManifest(json: unknown, file: string): Manifest {
  const problems = manifestProblems(json);
  if (problems.length > 0) {
    throw new GlmError('model-invalid', `${file} is not a valid GLM Infill manifest: ${problems.join('; ')}`);
  }
  return json as Manifest;
}

function manifestProblems(json: unknown): string[] {
  if (!isRecord(json)) return ['the top level must be a JSON object'];
  const problems: string[] = [];
  if (json.format !== 'glm-infill-model')
    problems.push(`"format" must be "glm-infill-model", not ${show(json.format)}`);
  if (json.formatVersion !== 1)
    problems.push(`"formatVersion" ${show(json.formatVersion)} is not supported (expected 1)`);
  for (const key of ['name', 'tokenizer', 'model', 'weights'] as const) {
    if (typeof json[key] !== 'string' || json[key] === '') problems.push(`"${key}" must be a non-empty string`);
  }
  for (const key of ['tokenizer', 'model', 'externalData'] as const) {
    const problem = typeof json[key] === 'string' ? fileNameProblem(json[key]) : undefined;
    if (problem !== undefined) problems.push(`"${key}" ${problem}, not ${show(json[key])}`);
  }
  if (json.externalData !== null && typeof json.externalData !== 'string')
    problems.push('"externalData" must be null or a file name');
  problems.push(...architectureProblems(json.architecture));
  problems.push(...specialTokenProblems(json.specialTokens, json.architecture));
  if (!Array.isArray(json.maskKinds) || json.maskKinds.length === 0 || !json.maskKinds.every(isBlankKind)) {
    problems.push('"maskKinds" must be a non-empty list of "span", "sentence", "document"');
  }
  return problems;
}

function architectureProblems(arch: unknown): string[] {
  if (!isRecord(arch)) return ['"architecture" must be an object'];
  const problems = ARCHITECTURE_INTS.filter(
    (key) => !isPositiveInt(arch[key]) || (arch[key] as number) > ARCHITECTURE_LIMITS[key],
  ).map(
    (key) => `"architecture.${key}" must be an integer from 1 to ${ARCHITECTURE_LIMITS[key]}, not ${show(arch[key])}`,
  );
  const { hiddenSize, numHeads, headDim } = arch;
  if (problems.length === 0 && hiddenSize !== (numHeads as number) * (headDim as number)) {
    problems.push(
      `"architecture.hiddenSize" ${show(hiddenSize)} must equal numHeads × headDim = ${(numHeads as number) * (headDim as number)}`,
    );
  }
  return problems;
}

function specialTokenProblems(tokens: unknown, arch: unknown): string[] {
  if (!isRecord(tokens)) return ['"specialTokens" must be an object'];
  const vocab = isRecord(arch) && isPositiveInt(arch.vocabSize) ? arch.vocabSize : Infinity;
  const problems: string[] = [];
  for (const key of Object.keys(SPECIAL_TOKEN_TEXT)) {
    const id = tokens[key];
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocab) {
      problems.push(`"specialTokens.${key}" must be an id in 0…${vocab - 1}, not ${show(id)}`);
    }
  }
  return problems;
}

/** The I/O names the contract requires of `model.onnx` for a model with `numLayers` layers. */
export function expectedGraphNames(numLayers: number, layout: CacheLayout): { inputs: string[]; outputs: string[] } {
  const inputs = ['input_ids', 'position_ids', 'attention_mask', 'logit_positions'];
  const outputs = ['logits'];
  const [given, returned] = layout === 'appended' ? ['cache', 'new'] : ['past', 'present'];
  for (let i = 0; i < numLayers; i++) {
    inputs.push(`${given}_key_${i}`, `${given}_value_${i}`);
    outputs.push(`${returned}_key_${i}`, `${returned}_value_${i}`);
  }
  return { inputs, outputs };
}

/** What onnxruntime reports about one graph input or output. */
export interface GraphValue {
  name: string;
  type?: string;
  shape?: readonly (number | string)[];
}

/** Compares the graph's inputs/outputs with the manifest; throws one error listing every mismatch. */
export function checkGraph(
  manifest: Manifest,
  inputs: readonly GraphValue[],
  outputs: readonly GraphValue[],
  file: string,
  nodes: readonly GraphNode[] = [],
): void {
  const layout = cacheLayoutOf(inputs.map((v) => v.name));
  const expected = expectedGraphNames(manifest.architecture.numLayers, layout);
  const problems = [
    ...nameProblems(
      'input',
      expected.inputs,
      inputs.map((v) => v.name),
    ),
    ...nameProblems(
      'output',
      expected.outputs,
      outputs.map((v) => v.name),
    ),
    ...shapeProblems(manifest.architecture, [...inputs, ...outputs]),
    ...headProblems(manifest.architecture, nodes),
  ];
  if (problems.length > 0) {
    throw new GlmError('model-invalid', `${file} does not match its manifest (glm.json): ${problems.join('; ')}`);
  }
}

function nameProblems(role: string, expected: readonly string[], actual: readonly string[]): string[] {
  const missing = expected.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !expected.includes(name));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${role}s ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`unexpected ${role}s ${extra.join(', ')}`);
  return problems;
}

/** A fused graph's inputs show only H·D; its attention nodes carry the head count itself. */
function headProblems(arch: Architecture, nodes: readonly GraphNode[]): string[] {
  const heads = new Set(nodes.filter((n) => n.opType === 'MultiHeadAttention').map((n) => n.ints.num_heads));
  return [...heads]
    .filter((h) => h !== arch.numHeads)
    .map((h) => `attention has ${h} heads, the manifest says ${arch.numHeads}`);
}

const INT64_VALUES = new Set(['input_ids', 'position_ids', 'logit_positions']);

/** Checks element types and every dimension the graph fixes (dynamic axes report a name instead of a number). */
function shapeProblems(arch: Architecture, values: readonly GraphValue[]): string[] {
  const problems: string[] = [];
  for (const value of values) {
    const wantType = INT64_VALUES.has(value.name) ? 'int64' : 'float32';
    if (value.type !== undefined && value.type !== wantType)
      problems.push(`${value.name} is ${value.type}, expected ${wantType}`);
    const want = expectedFixedDims(arch, value.name);
    want.forEach((dim, axis) => {
      const got = value.shape?.[axis];
      if (dim !== null && typeof got === 'number' && got !== dim) {
        problems.push(`${value.name} axis ${axis} is ${got}, the manifest implies ${dim}`);
      }
    });
  }
  return problems;
}

function expectedFixedDims(arch: Architecture, name: string): (number | null)[] {
  if (name === 'logits') return [null, null, arch.vocabSize];
  if (/^(past|present)_(key|value)_\d+$/.test(name)) return [null, arch.numHeads, null, arch.headDim];
  if (/^(cache|new)_(key|value)_\d+$/.test(name)) return [null, null, arch.numHeads * arch.headDim];
  if (name === 'position_ids') return [null, 2, null];
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

/**
 * A manifest value for an error message. Short plain words are quoted (they make typos obvious); anything else is
 * described, never echoed: messages reach notifications, where text such as `[label](command:…)` becomes a link.
 */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number')
    return Number.isFinite(value) && String(value).length <= 24 ? String(value) : 'an out-of-range number';
  if (typeof value === 'string')
    return /^[\w .+-]{0,40}$/.test(value) ? JSON.stringify(value) : `a string of ${value.length} characters`;
  return Array.isArray(value) ? 'a list' : 'an object';
}

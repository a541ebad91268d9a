import { type FileHandle, open } from 'node:fs/promises';
import { GlmError } from './errors.js';

/**
 * The nodes of an ONNX graph (op type, domain, integer attributes), read from the file's protobuf without its
 * weights: onnxruntime's API does not list a session's operators, and what a graph computes with (int8 activations or
 * fp32) decides whether lookup drafting is exact (drafting.ts). Only the graph's node entries are read; initializers
 * and everything else are skipped by their length, so a model of any size costs a few reads of 64 KiB.
 */
export interface GraphNode {
  opType: string;
  domain: string;
  /** The node's integer attributes (ONNX AttributeProto `i`), by name. */
  ints: Readonly<Record<string, number>>;
}

// Field numbers of onnx.proto: ModelProto.graph, GraphProto.node, NodeProto.op_type/attribute/domain,
// AttributeProto.name/i.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_INT = 3;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

/** One protobuf field: its number, wire type, and either its varint value or the [start, end) of its bytes. */
interface Field {
  number: number;
  wire: number;
  value: number;
  start: number;
  end: number;
}

export async function readGraphNodes(file: string): Promise<GraphNode[]> {
  const handle = await open(file, 'r');
  try {
    const reader = new WindowReader(handle);
    const size = (await handle.stat()).size;
    const nodes: GraphNode[] = [];
    for await (const model of fieldsIn(reader, 0, size)) {
      if (model.number !== MODEL_GRAPH || model.wire !== LENGTH) continue;
      for await (const graph of fieldsIn(reader, model.start, model.end)) {
        if (graph.number !== GRAPH_NODE || graph.wire !== LENGTH) continue;
        nodes.push(nodeOf(await reader.bytes(graph.start, graph.end - graph.start)));
      }
    }
    return nodes;
  } finally {
    await handle.close();
  }
}

/** The fields in [start, end) of a file, reading only each field's tag and length. */
async function* fieldsIn(reader: WindowReader, start: number, end: number): AsyncGenerator<Field> {
  let at = start;
  while (at < end) {
    const head = await reader.bytes(at, Math.min(20, end - at));
    const field = fieldAt(head, 0);
    yield { ...field, start: field.start + at, end: field.end + at };
    at += field.end;
  }
}

/** Reads a file through one window of at least 64 KiB, so that neighbouring small fields cost one read. */
class WindowReader {
  private window = new Uint8Array(0);
  private from = 0;

  constructor(private readonly handle: FileHandle) {}

  async bytes(position: number, length: number): Promise<Uint8Array> {
    const offset = position - this.from;
    if (offset < 0 || offset + length > this.window.length) {
      const buffer = new Uint8Array(Math.max(length, 2 ** 16));
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, position);
      if (bytesRead < length) throw malformed(`the file ends inside a field at byte ${position}`);
      this.window = buffer.subarray(0, bytesRead);
      this.from = position;
      return this.window.subarray(0, length);
    }
    return this.window.subarray(offset, offset + length);
  }
}

function nodeOf(bytes: Uint8Array): GraphNode {
  const node = { opType: '', domain: '', ints: {} as Record<string, number> };
  for (const field of fields(bytes)) {
    if (field.wire !== LENGTH) continue;
    if (field.number === NODE_OP_TYPE) node.opType = text(bytes, field);
    else if (field.number === NODE_DOMAIN) node.domain = text(bytes, field);
    else if (field.number === NODE_ATTRIBUTE) {
      const attribute = bytes.subarray(field.start, field.end);
      let name: string | undefined;
      let value: number | undefined;
      for (const a of fields(attribute)) {
        if (a.number === ATTRIBUTE_NAME && a.wire === LENGTH) name = text(attribute, a);
        else if (a.number === ATTRIBUTE_INT && a.wire === VARINT) value = a.value;
      }
      if (name !== undefined && value !== undefined) node.ints[name] = value;
    }
  }
  return node;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  for (let at = 0; at < bytes.length;) {
    const field = fieldAt(bytes, at);
    if (field.end > bytes.length) throw malformed('a field runs past the end of its message');
    yield field;
    at = field.end;
  }
}

/** The field whose tag starts at `at`: its value (varints) or the extent of its payload. */
function fieldAt(bytes: Uint8Array, at: number): Field {
  const tag = varint(bytes, at);
  const number = Math.floor(tag.value / 8);
  const wire = tag.value % 8;
  if (wire === VARINT) {
    const v = varint(bytes, tag.next);
    return { number, wire, value: v.value, start: tag.next, end: v.next };
  }
  if (wire === LENGTH) {
    const length = varint(bytes, tag.next);
    return { number, wire, value: 0, start: length.next, end: length.next + length.value };
  }
  if (wire === FIXED64 || wire === FIXED32) {
    const width = wire === FIXED64 ? 8 : 4;
    return { number, wire, value: 0, start: tag.next, end: tag.next + width };
  }
  throw malformed(`unsupported protobuf wire type ${wire} at byte ${at}`);
}

/**
 * A base-128 varint as a number: exact up to 2^53, which no length or attribute read here reaches; a negative int64
 * (ten bytes, two's complement) comes back negative.
 */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
    const byte = bytes[at + i];
    if (byte === undefined) throw malformed(`a varint is cut off at byte ${at}`);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value: value >= 2 ** 63 ? value - 2 ** 64 : value, next: at + i + 1 };
  }
  throw malformed(`a varint longer than 10 bytes at byte ${at}`);
}

function text(bytes: Uint8Array, field: Field): string {
  return new TextDecoder().decode(bytes.subarray(field.start, field.end));
}

function malformed(why: string): GlmError {
  return new GlmError('model-invalid', `The ONNX graph could not be read: ${why}.`);
}

// The public surface of the inference core, for the CLI and the extension.
export { type FillMode, type TextKind, autoKind, blankKindFor, isFillMode } from './autoKind.js';
export { type Blank, type BlankKind, type BlankedText, BLANK_KINDS, MARKER_OF_KIND, isBlankKind } from './blank.js';
export { type CacheOptions } from './cacheOptions.js';
export { readContextFiles } from './contextFiles.js';
export { type ClozeResult, type RankedOption, rankOptions } from './cloze.js';
export { type Device, type DeviceReport, DEVICES, isDevice } from './device.js';
export { MAX_THREADS, defaultThreads, resolveThreads } from './engine.js';
export { GlmError, type GlmErrorCode, errorText } from './errors.js';
export { fuseAdvice } from './fuseAdvice.js';
export { type DecodingOptions, DEFAULT_DECODING, type TokenEvent } from './generate.js';
export {
  type FilledSpan,
  type InfillOptions,
  type InfillResult,
  type SpanCandidate,
  decodingOptions,
  infill,
} from './infill.js';
export { type MarkedText, inMarkedText, parseMarkers } from './markers.js';
export { type GlmModel, type LoadOptions, loadModel } from './model.js';
export { type PlacedBlank, type TextEdit, fillEdit, optionFill, placeBlanks } from './placement.js';
export type { StopReason } from './stopping.js';
export { unfilledNote } from './unfilled.js';

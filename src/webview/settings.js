/* global document, window, acquireVsCodeApi */
// The GLM Infill settings page, built from @vscode-elements/elements (VS Code's own look, keyboard use and
// high-contrast themes come with the components). scripts/build.mjs bundles it, with only the components imported
// here, into dist/webview/settings.js, the one script the page's CSP lets run.
// It holds no state of its own: every change is sent to the extension, which writes the user's settings; the
// extension answers with the whole state, the settings' schema included, and the page redraws from that (keeping
// only the schema, to check what is typed against package.json's ranges).
// @ts-check
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-form-group/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';

const vscode = acquireVsCodeApi();
const app = /** @type {HTMLElement} */ (document.getElementById('app'));

// Labels for the choices of a setting; the choices themselves, and every range, come with the state
// (package.json's schema), and a choice without a label here shows as its value.
/** @type {Record<string, Record<string, string>>} */
const LABELS = {
  mode: {
    auto: 'Auto: from the selection (part of a line [MASK], whole lines or a sentence [sMASK], lines to the end [gMASK])',
    span: 'Span: a word, an expression, an argument ([MASK])',
    sentence: 'Sentence: stops at the end of the sentence or line ([sMASK])',
    document: 'Document: long text, paragraphs, the rest of a file ([gMASK])',
  },
};
/** @type {Record<string, {type: string, minimum?: number, maximum?: number, enum?: string[]}>} */
let schema = {};

/** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children] */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** A labelled control with an optional hint, as VS Code's settings editor lays them out. */
function row(/** @type {string} */ label, /** @type {HTMLElement} */ control, /** @type {string} */ hint = '') {
  const parts = [el('vscode-label', { for: control.id }, [label]), control];
  if (hint) parts.push(el('vscode-form-helper', {}, [hint]));
  return el('vscode-form-group', { variant: 'vertical' }, parts);
}

/** A drop-down whose options arrive with the first state (the setting's enum). @param {string} key */
function select(key) {
  const s = /** @type {any} */ (el('vscode-single-select', { id: key, 'data-key': key }));
  s.addEventListener('change', () => send(key, s.value));
  return s;
}

/** Radio buttons whose choices arrive with the first state (the setting's enum). @param {string} key */
function radios(key) {
  const group = el('vscode-radio-group', { id: key, 'data-key': key, variant: 'vertical' });
  group.addEventListener('change', () => {
    const checked = /** @type {any} */ ([...group.children].find((r) => /** @type {any} */ (r).checked));
    if (checked) send(key, checked.value);
  });
  return group;
}

/** A number field whose range arrives with the state (the setting's minimum and maximum). @param {string} key @param {number} step */
function number(key, step) {
  const input = /** @type {any} */ (el('vscode-textfield', { id: key, 'data-key': key, type: 'number' }));
  input.step = step;
  input.addEventListener('change', () => {
    const value = Number(input.value);
    const range = schema[key];
    const ok =
      range !== undefined &&
      input.value !== '' &&
      Number.isFinite(value) &&
      value >= (range.minimum ?? -Infinity) &&
      value <= (range.maximum ?? Infinity) &&
      (range.type !== 'integer' || Number.isInteger(value));
    input.invalid = !ok;
    if (ok) send(key, value);
  });
  return input;
}

/** @param {string} key @param {string} label */
function checkbox(key, label) {
  const box = /** @type {any} */ (el('vscode-checkbox', { id: key, 'data-key': key }, [label]));
  box.addEventListener('change', () => send(key, box.checked));
  return box;
}

/** @param {string} label @param {() => void} onClick @param {string} id @param {boolean} [secondary] */
function button(label, onClick, id, secondary = false) {
  const b = el('vscode-button', secondary ? { id, secondary: '' } : { id }, [label]);
  b.addEventListener('click', onClick);
  return b;
}

/** @param {string} key @param {unknown} value */
function send(key, value) {
  vscode.postMessage({ type: 'set', key, value });
}

const modelPath = /** @type {any} */ (el('vscode-textfield', { id: 'modelPath', 'data-key': 'modelPath' }));
modelPath.spellcheck = false;
modelPath.addEventListener('change', () => send('modelPath', modelPath.value.trim()));
const modelInfo = el('dl', { id: 'model-info' });
const speed = el('p', { id: 'speed', role: 'status' });
const trust = el('p', { id: 'trust', class: 'warning' });
const error = el('p', { id: 'error', class: 'error', role: 'alert' });
const buttons = [
  button('Browse…', () => vscode.postMessage({ type: 'browse' }), 'browse', true),
  button('Use the bundled model', () => vscode.postMessage({ type: 'useBundled' }), 'bundled', true),
];
const load = button('Load now', () => vscode.postMessage({ type: 'load' }), 'load');
const measure = button('Measure speed', () => vscode.postMessage({ type: 'measure' }), 'measure');
const openJson = button('Open in Settings editor', () => vscode.postMessage({ type: 'openJson' }), 'openJson', true);

app.replaceChildren(
  el('h1', {}, ['GLM Infill']),
  el('section', {}, [
    el('h2', {}, ['Filling']),
    row(
      'Mode',
      radios('mode'),
      'The kind of blank made from a selection or the cursor, and used by inline suggestions.',
    ),
    row(
      'Your own text',
      checkbox('context.enabled', 'Use your own text'),
      'A cache of the document and of other open files of the same language, mixed into the model.',
    ),
    row('Max tokens per blank', number('maxTokens', 1)),
    row('Temperature', number('temperature', 0.05), '0 = greedy: the same text every time.'),
    row('Top-p', number('topP', 0.01), 'Used when temperature > 0.'),
  ]),
  el('section', {}, [
    el('h2', {}, ['Inline suggestions']),
    row(
      'Ghost text',
      checkbox('inline.enabled', 'Show inline suggestions'),
      'Per-language switches: the status menu, or glmInfill.inline.languages in settings.json.',
    ),
    row('Debounce (ms)', number('inline.debounceMs', 50), 'How long typing must pause before the model runs.'),
  ]),
  el('section', {}, [
    el('h2', {}, ['Model']),
    trust,
    row('Model folder', modelPath, 'Empty = the model bundled with the extension.'),
    el('div', { class: 'buttons' }, buttons),
    row(
      'Device',
      select('device'),
      'auto tries the accelerator this platform ships (CUDA, DirectML, CoreML), else the CPU.',
    ),
    row('Threads', number('threads', 1), '0 = automatic (half the cores, at most 4).'),
    error,
    modelInfo,
    el('div', { class: 'buttons' }, [load, measure, openJson]),
    speed,
  ]),
);
app.removeAttribute('aria-busy');

/** @param {number} bytes */
function size(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** Choices and ranges from the schema; a choice list is filled once (the schema is fixed). */
function applySchema() {
  for (const [key, setting] of Object.entries(schema)) {
    const control = /** @type {any} */ (document.querySelector(`[data-key="${key}"]`));
    if (!control) continue;
    if (setting.enum && control.children.length === 0) {
      const tag = control.localName === 'vscode-radio-group' ? 'vscode-radio' : 'vscode-option';
      for (const value of setting.enum) {
        const label = LABELS[key]?.[value] ?? value;
        control.append(el(tag, tag === 'vscode-radio' ? { value, name: key } : { value }, [label]));
      }
    } else if (control.localName === 'vscode-textfield' && control.type === 'number') {
      if (setting.minimum !== undefined) control.min = setting.minimum;
      if (setting.maximum !== undefined) control.max = setting.maximum;
    }
  }
}

/** Shows a setting's value in its control, unless the user is in that control now. @param {string} key @param {unknown} value */
function show(key, value) {
  const control = /** @type {any} */ (document.querySelector(`[data-key="${key}"]`));
  if (!control || control.matches(':focus-within')) return;
  if (control.localName === 'vscode-checkbox') control.checked = Boolean(value);
  else if (control.localName === 'vscode-radio-group')
    for (const radio of /** @type {any[]} */ ([...control.children])) radio.checked = radio.value === value;
  else {
    control.value = String(value);
    control.invalid = false;
  }
}

/** @param {Record<string, any>} state */
function render(state) {
  schema = state.schema;
  applySchema();
  for (const [key, value] of Object.entries(state.settings)) show(key, value);
  modelPath.placeholder = state.bundledFolder;
  trust.textContent = state.trusted
    ? ''
    : 'This workspace is not trusted: its own model folder setting is ignored; your user setting applies.';
  error.textContent = state.error ? `Last load failed: ${state.error}` : '';
  renderModel(state);
  for (const b of [load, measure, ...buttons]) b.toggleAttribute('disabled', Boolean(state.busy));
  speed.textContent = state.busy
    ? 'Working…'
    : state.speed
      ? `${state.speed.tokensPerSecond.toFixed(1)} tokens/s on ${state.speed.device} (${state.speed.msPerToken.toFixed(1)} ms a token; ` +
        `Part A of ${state.speed.partATokens} tokens in ${state.speed.prefillMs.toFixed(0)} ms)`
      : '';
}

/** @param {Record<string, any>} state */
function renderModel(state) {
  const m = state.model;
  const entries = m
    ? [
        ['Loaded', m.name],
        ['Folder', m.folder],
        [
          'Size',
          `${size(m.bytes)} (${m.weights}), ${m.layers} layers × ${m.hiddenSize}, ${m.vocabSize} tokens, ${m.maxSequenceLength} positions`,
        ],
        ['Mask kinds', m.maskKinds.join(', ')],
        ['Device', m.fallbackReason ? `${m.device} (fallback: ${m.fallbackReason})` : m.device],
        ['Load time', `${m.loadMs} ms`],
      ]
    : [['Model', state.modelState === 'loading' ? 'loading…' : 'not loaded yet (it loads on first use)']];
  modelInfo.replaceChildren(...entries.flatMap(([k, v]) => [el('dt', {}, [k]), el('dd', {}, [v])]));
}

window.addEventListener('message', (event) => {
  const message = event.data;
  if (message && message.type === 'state' && message.settings && message.schema) render(message);
});
// The page has no state of its own to keep; saying so lets VS Code restore it after a reload (the extension's
// WebviewPanelSerializer reopens it, and the extension sends the state again).
vscode.setState({ page: 'settings' });
vscode.postMessage({ type: 'ready' });

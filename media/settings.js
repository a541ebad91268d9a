/* global document, window, acquireVsCodeApi, HTMLInputElement, HTMLSelectElement */
// The GLM Infill settings page. It holds no state of its own: every change is sent to the extension, which writes
// the user's settings; the extension answers with the whole state, the settings' schema included, and the page
// redraws from that (keeping only the schema, to check what is typed against package.json's ranges). A classic
// script: its top-level names belong to the webview's own window, which holds nothing else.
// @ts-check
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

/** @param {string} label @param {HTMLElement} control @param {string} [hint] */
function row(label, control, hint) {
  const id = control.id;
  const parts = [el('label', { for: id }, [label]), control];
  if (hint) parts.push(el('p', { class: 'hint' }, [hint]));
  return el('div', { class: 'row' }, parts);
}

/** A select whose options arrive with the first state (the setting's enum). @param {string} key */
function select(key) {
  const s = /** @type {HTMLSelectElement} */ (el('select', { id: key, 'data-key': key }));
  s.addEventListener('change', () => send(key, s.value));
  return s;
}

/** A number input whose range arrives with the state (the setting's minimum and maximum). @param {string} key @param {number} step */
function number(key, step) {
  const input = /** @type {HTMLInputElement} */ (
    el('input', { id: key, 'data-key': key, type: 'number', step: String(step) })
  );
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
    input.classList.toggle('invalid', !ok);
    if (ok) send(key, value);
  });
  return input;
}

/** @param {string} key */
function checkbox(key) {
  const input = /** @type {HTMLInputElement} */ (el('input', { id: key, 'data-key': key, type: 'checkbox' }));
  input.addEventListener('change', () => send(key, input.checked));
  return input;
}

/** @param {string} label @param {() => void} onClick @param {string} [id] */
function button(label, onClick, id) {
  const b = el('button', id ? { id, type: 'button' } : { type: 'button' }, [label]);
  b.addEventListener('click', onClick);
  return b;
}

/** @param {string} key @param {unknown} value */
function send(key, value) {
  vscode.postMessage({ type: 'set', key, value });
}

const modelPath = /** @type {HTMLInputElement} */ (
  el('input', { id: 'modelPath', 'data-key': 'modelPath', type: 'text', spellcheck: 'false' })
);
modelPath.addEventListener('change', () => send('modelPath', modelPath.value.trim()));
const modelInfo = el('dl', { id: 'model-info' });
const speed = el('p', { id: 'speed', role: 'status' });
const trust = el('p', { id: 'trust', class: 'warning' });
const error = el('p', { id: 'error', class: 'error', role: 'alert' });
const device = select('device');
const buttons = [
  button('Browse…', () => vscode.postMessage({ type: 'browse' }), 'browse'),
  button('Use the bundled model', () => vscode.postMessage({ type: 'useBundled' }), 'bundled'),
];
const load = button('Load now', () => vscode.postMessage({ type: 'load' }), 'load');
const measure = button('Measure speed', () => vscode.postMessage({ type: 'measure' }), 'measure');

app.replaceChildren(
  el('h1', {}, ['GLM Infill']),
  el('section', {}, [
    el('h2', {}, ['Filling']),
    row(
      'Mode',
      select('mode'),
      'The kind of blank made from a selection or the cursor, and used by inline suggestions.',
    ),
    row(
      'Use your own text',
      checkbox('context.enabled'),
      'A cache of the document and of other open files of the same language, mixed into the model.',
    ),
    row('Max tokens per blank', number('maxTokens', 1)),
    row('Temperature', number('temperature', 0.05), '0 = greedy: the same text every time.'),
    row('Top-p', number('topP', 0.01), 'Used when temperature > 0.'),
  ]),
  el('section', {}, [
    el('h2', {}, ['Inline suggestions']),
    row(
      'Show inline suggestions',
      checkbox('inline.enabled'),
      'Per-language switches: glmInfill.inline.languages in settings.json.',
    ),
    row('Debounce (ms)', number('inline.debounceMs', 50), 'How long typing must pause before the model runs.'),
  ]),
  el('section', {}, [
    el('h2', {}, ['Model']),
    trust,
    row('Model folder', modelPath, 'Empty = the model bundled with the extension.'),
    el('div', { class: 'buttons' }, buttons),
    row('Device', device, 'auto tries the accelerator this platform ships (CUDA, DirectML, CoreML), else the CPU.'),
    row('Threads', number('threads', 1), '0 = automatic (half the cores, at most 4).'),
    error,
    modelInfo,
    el('div', { class: 'buttons' }, [
      load,
      measure,
      button('Open in Settings editor', () => vscode.postMessage({ type: 'openJson' })),
    ]),
    speed,
  ]),
);
app.removeAttribute('aria-busy');

/** @param {number} bytes */
function size(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** Choices and ranges from the schema; a select keeps its options once it has them (the schema is fixed). */
function applySchema() {
  for (const [key, setting] of Object.entries(schema)) {
    const control = document.querySelector(`[data-key="${key}"]`);
    if (control instanceof HTMLSelectElement && control.options.length === 0) {
      for (const value of setting.enum ?? []) control.append(el('option', { value }, [LABELS[key]?.[value] ?? value]));
    } else if (control instanceof HTMLInputElement && control.type === 'number') {
      if (setting.minimum !== undefined) control.min = String(setting.minimum);
      if (setting.maximum !== undefined) control.max = String(setting.maximum);
    }
  }
}

/** @param {Record<string, any>} state */
function render(state) {
  schema = state.schema;
  applySchema();
  for (const [key, value] of Object.entries(state.settings)) {
    const control = /** @type {HTMLInputElement | null} */ (document.querySelector(`[data-key="${key}"]`));
    if (!control || control === document.activeElement) continue;
    if (control.type === 'checkbox') control.checked = Boolean(value);
    else control.value = String(value);
    control.classList.remove('invalid');
  }
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
vscode.postMessage({ type: 'ready' });

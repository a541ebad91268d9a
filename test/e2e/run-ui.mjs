/* global process, console, setTimeout, clearTimeout, MutationObserver */
// `npm run test:e2e`: the user flows on the PACKAGED extension. The newest glm-infill-*.vsix (or --vsix <file>) is
// installed into a fresh code-server; Debian's chromium (playwright-core) drives the real workbench; each flow
// asserts what the user sees in the editor and what is on disk, and leaves a screenshot in test/e2e/output/.
//
// Flows 1-5 read the random-weight fixture test/fixtures/tiny through the user setting glmInfill.modelPath
// (greedy, so every fill is deterministic). What a fill must write is computed up front with the project's CLI on
// the same model, so the flows compare exact bytes. Flows 6-7 run in a second window on the model the VSIX ships
// (models/default) and assert fills a user would recognise; flow 8 runs in a third, whose installed extension has
// lost its native onnxruntime binary: the user is told why, and the fill still comes, from the WebAssembly runtime.
// Waits are on UI state only; the one retry is the command palette (the command list can be read before the
// extension host registered the commands).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newestVsix, outputDir, root, startCodeServer } from './code-server.mjs';

const started = performance.now();
const vsixArg = process.argv.indexOf('--vsix');
const vsix = resolve(vsixArg > 0 && process.argv[vsixArg + 1] ? process.argv[vsixArg + 1] : newestVsix());
const fixture = join(root, 'test', 'fixtures', 'tiny');
const LOAD_MS = 90_000; // first workbench load on two busy cores
const UI_MS = 30_000; // any single UI reaction (a fill of the tiny model takes well under a second)

// One document per flow, so a failed flow cannot leave another's text changed.
const FILES = {
  'untouched.md': '# Untouched\n\nThis line stays.\nA blank would go here.\nThe end.\n',
  'fill.md':
    '# Notes\n\nwent fine The and sum def for We\nfirst blank line\na sum home. today.\nsecond blank line\nThe end.\n',
  'draft.md': '# Draft\n\nThe weather was fine today. We went out for a walk\n',
  'mode.md': 'went fine The and sum def for We\nthis line becomes a sentence\na sum home. today.\n',
  'cancel.md': '# Cancel\n\nThis line would be filled.\nThe end.\n',
  'ghost.md': '# Ghost\n\nThen we went home\n',
  'blanks.md':
    '# Blanks\n\nThe first blank is this line.\nThis line stays.\nThe second blank is this longer line.\nThe end.\n',
  'reload.md':
    '# Reload\n\nThis line becomes a blank.\nThis line stays.\nSo does this one, after a reload.\nThe end.\n',
};
const SETTINGS = {
  'glmInfill.modelPath': '/nonexistent/glm-infill-model', // flow 5 starts here; it fixes the path in the panel
  'glmInfill.mode': 'span', // flow 4 switches to sentence
  'glmInfill.minTokens': 2, // non-empty fills from the random model
  'glmInfill.consensus': 1, // one greedy fill, as the CLI computes the expected text
  'glmInfill.context.files': 'documentOnly', // the other flows' open files stay out of the cache, as for the CLI
  'glmInfill.inline.debounceMs': 100,
  'glmInfill.inline.timeBudgetMs': 30_000, // never cut short on a loaded machine: the whole suggestion, every time
  'editor.renderWhitespace': 'none', // selected spaces would render as dots
  'editor.minimap.enabled': false,
  'workbench.editor.enablePreview': false,
  'files.autoSave': 'off',
};

// What each fill must write, from the CLI on the same model with the extension's settings (greedy, min 2 tokens).
const expected = expectations();

// The shipped model, as a user gets it (no modelPath; greedy span fills, no minimum). Inline suggestions are off so
// that no ghost text mixes into the editor text the flows read.
const SHIPPED_FILES = {
  'counter.py':
    'class Counter:\n    def __init__(self):\n        self.count = 0\n\n    def increment(self):\n        self. += 1\n',
  'install.md': '## Install\n\nRun `npm ci` to install the dependencies.\n',
};
const SHIPPED_SETTINGS = {
  'glmInfill.mode': 'span',
  'glmInfill.minTokens': 0,
  'glmInfill.maxTokens': 16,
  'glmInfill.consensus': 1,
  'glmInfill.inline.enabled': false,
  'editor.minimap.enabled': false,
  'workbench.editor.enablePreview': false,
  'files.autoSave': 'off',
};
const FILLED = {
  'counter.py': SHIPPED_FILES['counter.py'].replace('self. +=', 'self.count +='),
  'install.md': SHIPPED_FILES['install.md'].replace('npm ci', 'npm install'),
};
const EXPECTED_FLOWS = 13;

mkdirSync(outputDir, { recursive: true });
for (const name of readdirSync(outputDir)) if (/^flow\d.*\.png$/.test(name)) rmSync(join(outputDir, name));

const results = [];
const screenshots = [];
let session;
let page;
await inWindow('fixture', { settings: SETTINGS, files: FILES }, async () => {
  // Run order: 5 needs a window where no model was ever loaded (else the previous model keeps serving, by design);
  // 2 swaps the model folder for one whose load waits on the test, so it runs last.
  await flow('flow5-missing-model', flowMissingModel);
  await flow('flow1-fill-two-blanks', flowFillTwoBlanks);
  await flow('flow3-inline-ghost-text', flowInline);
  await flow('flow9-status-menu-pause', flowPause);
  await flow('flow10-ghost-candidates', flowGhostCandidates);
  await flow('flow4-settings-panel-sentence', flowSettingsPanel);
  await flow('flow2-cancel', flowCancel);
  await flow('flow13-walkthrough', flowWalkthrough);
  await flow('flow11-next-blank', flowNextBlank);
  await flow('flow12-blanks-survive-reload', flowBlanksSurviveReload); // reloads the window: the last of it
});
await inWindow('shipped model', { settings: SHIPPED_SETTINGS, files: SHIPPED_FILES }, async () => {
  await flow('flow6-shipped-model-python-attribute', flowShippedPython);
  await flow('flow7-shipped-model-markdown-word', flowShippedMarkdown);
});
await inWindow(
  'no native binary',
  { settings: SHIPPED_SETTINGS, files: SHIPPED_FILES, breakNativeBinding: true },
  async () => {
    await flow('flow8-no-native-binary-wasm', flowNoNativeBinary);
  },
);

const seconds = (performance.now() - started) / 1000;
for (const r of results)
  console.log(
    `${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? ` (${r.seconds.toFixed(1)} s)` : `: ${r.error?.stack ?? r.error}`}`,
  );
const failed = results.filter((r) => !r.ok).length;
console.log(
  `\nUI flows: ${results.length - failed} passed, ${failed} failed; run time ${seconds.toFixed(1)} s (${(seconds / 60).toFixed(1)} min)`,
);
console.log(`Screenshots (${outputDir}):\n${screenshots.map((s) => `  ${s}`).join('\n')}`);
if (failed > 0 && session?.log.length) console.log(`code-server's last output:\n${session.log.slice(-20).join('\n')}`);
process.exit(failed > 0 || results.length < EXPECTED_FLOWS ? 1 : 0);

/**
 * One code-server window with the VSIX installed, its own user settings and workspace files. breakNativeBinding
 * renames onnxruntime-node's binding in the installed extension first, as on a platform the VSIX has no binary for.
 */
async function inWindow(name, { settings, files, breakNativeBinding = false }, run) {
  try {
    session = await startCodeServer({ vsix, settings, files });
    if (breakNativeBinding) {
      const binding = join(
        session.installedExtension(),
        'node_modules',
        'onnxruntime-node',
        'bin',
        'napi-v6',
        process.platform,
        process.arch,
        'onnxruntime_binding.node',
      );
      renameSync(binding, `${binding}.renamed-by-test`);
    }
    const browser = await session.launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(UI_MS);
    await page.goto(session.url(), { timeout: LOAD_MS }); // the first load on busy cores, like the workbench below
    await page.locator('.monaco-workbench').waitFor({ timeout: LOAD_MS });
    await explorerRow(Object.keys(files)[0]).waitFor({ timeout: LOAD_MS });
    await run();
  } catch (error) {
    results.push({ name: `setup (${name})`, ok: false, error });
    if (page) await shoot(`setup-${name.replace(/\W+/g, '-')}-FAILED`);
  } finally {
    await session?.stop();
    session = undefined;
    page = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The flows

/** 5. A model folder that does not exist: an error with the settings button; the document is untouched. */
async function flowMissingModel() {
  const file = 'untouched.md';
  await openFile(file);
  await selectLine(file, 4);
  await runCommand('GLM Infill: Fill Blank');
  const toast = notification(/GLM Infill could not load the model/);
  await toast.waitFor();
  await expectText(toast, /Model folder \/nonexistent\/glm-infill-model does not exist/);
  const openSettings = toast.locator('.monaco-button', { hasText: /^Open Settings$/ });
  await openSettings.waitFor();
  await toast.locator('.monaco-button', { hasText: /^Show Log$/ }).waitFor();
  await expectEditorText(file, FILES[file]);
  await expectClean(file);
  assertEqual(readDisk(file), FILES[file], `${file} on disk`);
  await shoot('flow5-missing-model');

  // The settings button opens the panel, which says what failed; the user points it at a model that exists.
  await openSettings.click();
  const panel = await settingsPanel();
  await expectText(panel.locator('#error'), /Last load failed: .*does not exist/);
  await panel.locator('#modelPath input').fill(fixture); // the text field's input, inside its shadow root
  await panel.locator('#modelPath input').press('Tab'); // the page sends the path on change (blur)
  await panel.locator('#error:empty').waitFor({ state: 'attached' });
  await expectStatus(/^\s*GLM span · /, { warning: false });
  await closeTab('GLM Infill Settings');
  await expectClean(file);
  assertEqual(readDisk(file), FILES[file], `${file} on disk`);
}

/** 1. Two selections marked as blanks, one "Fill Blank": both filled, nothing else changed; one undo restores. */
async function flowFillTwoBlanks() {
  const file = 'fill.md';
  const original = FILES[file];
  await openFile(file);
  await selectLine(file, 4);
  await runCommand('GLM Infill: Mark Selection as Blank');
  await statusMessage(/GLM Infill: 1 blank marked \(span\)/).waitFor();
  await selectLine(file, 6);
  await runCommand('GLM Infill: Mark Selection as Blank');
  await statusMessage(/GLM Infill: 2 blanks marked \(span\)/).waitFor();
  await page.keyboard.press('ArrowRight'); // no selection left: "Fill Blank" fills the marked blanks
  await runCommand('GLM Infill: Fill Blank');
  await expectEditorText(file, expected.fill);
  await notification(/GLM Infill: filling/).waitFor({ state: 'detached' });
  await expectDirty(file);
  await save(file);
  const disk = readDisk(file);
  assertEqual(disk, expected.fill, `${file} on disk after the fill`);
  // Every byte outside the two blanks (lines 4 and 6) is the original's; a fill may hold line breaks of its own.
  const lines = original.split('\n');
  const prefix = `${lines.slice(0, 3).join('\n')}\n`;
  const middle = `\n${lines[4]}\n`;
  const suffix = `\n${lines.slice(6).join('\n')}`;
  const between =
    disk.startsWith(prefix) && disk.endsWith(suffix)
      ? disk.slice(prefix.length, disk.length - suffix.length)
      : undefined;
  const cut = between?.indexOf(middle) ?? -1;
  if (between === undefined || cut < 0) throw new Error(`text outside the blanks changed: ${JSON.stringify(disk)}`);
  [between.slice(0, cut), between.slice(cut + middle.length)].forEach((fill, k) => {
    const line = lines[k === 0 ? 3 : 5];
    if (fill === line || fill.trim() === '')
      throw new Error(`blank on line ${k === 0 ? 4 : 6} was not filled: ${JSON.stringify(fill)}`);
  });
  await shoot('flow1-fill-two-blanks');

  await page.keyboard.press('Control+z');
  await expectEditorText(file, original);
  await save(file);
  assertEqual(readDisk(file), original, `${file} on disk after one undo`);
}

/** 3. An inline suggestion appears as ghost text at the cursor; Tab accepts it. */
async function flowInline() {
  const file = 'draft.md';
  await openFile(file);
  await cursorAtEndOfLine(file, 3);
  await page.keyboard.insertText(' and'); // one edit, one automatic request
  const ghost = editor(file).locator('.ghost-text-decoration');
  await ghost.first().waitFor();
  const suggestion = expected.inline.slice(typedDraft().length - 1, expected.inline.length - 1); // between "and" and "\n"
  await expectText(ghost.first(), exactly(shown(suggestion.split('\n')[0])));
  await shoot('flow3-inline-ghost-text');
  await page.keyboard.press('Tab');
  await ghost.first().waitFor({ state: 'detached' });
  await expectEditorText(file, expected.inline);
  await save(file);
  assertEqual(readDisk(file), expected.inline, `${file} on disk after Tab`);
}

/** 9. Paused from the status menu, typing shows no ghost text; resumed from the same menu, it shows again. */
async function flowPause() {
  const file = 'draft.md'; // as flow 3 left it
  await openFile(file);
  await fromStatusMenu('Pause for 5 Minutes', 'flow9-status-menu');
  await expectStatus(/ · paused$/);
  await cursorAtEndOfLine(file, 3);
  await page.keyboard.insertText(' so');
  const ghost = editor(file).locator('.ghost-text-decoration');
  await page.waitForTimeout(3_000); // the debounce is 100 ms and the fixture fills in milliseconds
  assertEqual(await ghost.count(), 0, 'ghost text while paused');
  await shoot('flow9-status-menu-paused');
  await fromStatusMenu('Resume');
  await expectStatus(/tok\/s$/);
  await cursorAtEndOfLine(file, 3); // the menu leaves the focus in the status bar
  await page.keyboard.insertText(' we');
  await ghost.first().waitFor();
  await page.keyboard.press('Escape');
  await ghost.first().waitFor({ state: 'detached' });
  const lines = expected.inline.split('\n');
  lines[2] += ' so we'; // what was typed, and nothing else
  await expectEditorText(file, lines.join('\n'));
}

/** 10. Several ghost-text candidates: Alt+] shows the second in place of the first, and Tab accepts that one. */
async function flowGhostCandidates() {
  const file = 'ghost.md';
  const [first, second] = expected.ghost;
  if (second === undefined) throw new Error(`the fixture gives one ghost-text candidate here: ${expected.ghost}`);
  await openFile(file);
  await cursorAtEndOfLine(file, 3);
  await page.keyboard.insertText(' and'); // one edit, one automatic request: glmInfill.inline.candidates (3) items
  const ghost = editor(file).locator('.ghost-text-decoration');
  await ghost.first().waitFor();
  await expectText(ghost.first(), exactly(shown(first.split('\n')[0])));
  await page.keyboard.press('Alt+BracketRight');
  await expectText(ghost.first(), exactly(shown(second.split('\n')[0])));
  await shoot('flow10-ghost-candidates');
  await page.keyboard.press('Tab');
  await ghost.first().waitFor({ state: 'detached' });
  const accepted = FILES[file].replace(/home\n$/, `home and${second}\n`);
  await expectEditorText(file, accepted);
  await save(file);
  assertEqual(readDisk(file), accepted, `${file} on disk after Alt+] and Tab`);
}

/** 4. The settings webview: sentence mode shows in the status bar, and the next fill is a sentence fill. */
async function flowSettingsPanel() {
  const file = 'mode.md';
  await openFile(file);
  await fromStatusMenu('Open Settings'); // the status bar item's menu opens the panel
  const panel = await settingsPanel();
  const mode = panel.locator('#mode'); // radio buttons (vscode-radio-group)
  await mode.locator('vscode-radio[value="span"][checked]').waitFor({ state: 'attached' });
  await mode.locator('vscode-radio[value="sentence"]').click();
  await expectStatus(/^\s*GLM sentence · /);
  await shoot('flow4-settings-panel-sentence');

  await openFile(file);
  await selectLine(file, 2);
  await runCommand('GLM Infill: Fill Blank');
  await expectEditorText(file, expected.sentence); // what a [sMASK] fill writes, which a [MASK] fill does not
  await notification(/GLM Infill: filling/).waitFor({ state: 'detached' });
  await save(file);
  assertEqual(readDisk(file), expected.sentence, `${file} on disk after the sentence fill`);
}

/** 2. A fill cancelled from its progress notification leaves the file unchanged. */
async function flowCancel() {
  const file = 'cancel.md';
  // A load held by the test's gate (a named pipe the extension reads before loading, src/editor/loadGate.ts) waits
  // until the test writes to it, so the fill is still running, deterministically, when Cancel is clicked (the tiny
  // model fills in milliseconds). Model files themselves must be regular files inside their folder: copies.
  const slow = join(session.temp, 'slow-model');
  mkdirSync(slow);
  for (const f of ['glm.json', 'model.onnx', 'tokenizer.json']) copyFileSync(join(fixture, f), join(slow, f));
  const gate = session.loadGate();
  execFileSync('mkfifo', [gate]);

  await fromStatusMenu('Open Settings');
  const panel = await settingsPanel();
  await panel.locator('#modelPath input').fill(slow);
  await panel.locator('#modelPath input').press('Tab');
  await expectStatus(/^\s*GLM sentence · /, { loading: true }); // the reload has started and waits on the pipe

  await openFile(file);
  await selectLine(file, 3);
  await runCommand('GLM Infill: Fill Blank');
  const progress = notification(/GLM Infill: filling the blank \(selections\)/);
  const cancel = progress.locator('.monaco-button', { hasText: /^Cancel$/ });
  await cancel.waitFor();
  await shoot('flow2-cancel');
  await cancel.click();
  await deadline(writeFile(gate, 'go'), UI_MS, 'the model load never reached the load gate');
  rmSync(gate);
  await progress.waitFor({ state: 'detached' });
  // The fill has ended (a cancelled fill reports 0 tok/s) and the model is loaded: nothing more can change the file.
  await expectStatus(/^\s*GLM sentence · cpu · 0 tok\/s$/, { loading: false });
  await expectEditorText(file, FILES[file]);
  await expectClean(file);
  assertEqual(readDisk(file), FILES[file], `${file} on disk after the cancel`);
}

/** 6. The shipped model: Fill Blank at the cursor after `self.` writes the attribute the class sets. */
async function flowShippedPython() {
  const file = 'counter.py';
  await openFile(file);
  await cursorAtEndOfLine(file, 6);
  for (let i = 0; i < ' += 1'.length; i++) await page.keyboard.press('ArrowLeft');
  await runCommand('GLM Infill: Fill Blank');
  await expectEditorText(file, FILLED[file]);
  await notification(/GLM Infill: filling/).waitFor({ state: 'detached' });
  await expectStatus(/^\s*GLM span · cpu · \d+ tok\/s · off$/, { warning: false }); // inline suggestions are off here
  await shoot('flow6-shipped-model-python-attribute');
  await save(file);
  assertEqual(readDisk(file), FILLED[file], `${file} on disk`);
}

/** 7. The shipped model: a selected word in Markdown becomes the command the sentence describes. */
async function flowShippedMarkdown() {
  const file = 'install.md';
  await openFile(file);
  await cursorAtEndOfLine(file, 3);
  await page.keyboard.press('Home');
  for (let i = 0; i < 'Run `npm '.length; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 'ci'.length; i++) await page.keyboard.press('Shift+ArrowRight');
  await runCommand('GLM Infill: Fill Blank');
  await expectEditorText(file, FILLED[file]);
  await notification(/GLM Infill: filling/).waitFor({ state: 'detached' });
  await shoot('flow7-shipped-model-markdown-word');
  await save(file);
  assertEqual(readDisk(file), FILLED[file], `${file} on disk`);
}

/**
 * 8. No native binary in the installed extension: the commands are there, the first fill tells the user which binary
 * failed and offers the ways out, the fill itself comes from the WebAssembly runtime, and "Use WebAssembly" ends the
 * warning.
 */
async function flowNoNativeBinary() {
  const file = 'counter.py';
  await openFile(file);
  await cursorAtEndOfLine(file, 6);
  for (let i = 0; i < ' += 1'.length; i++) await page.keyboard.press('ArrowLeft');
  await runCommand('GLM Infill: Fill Blank');
  const toast = notification(/GLM Infill runs on WebAssembly instead of the native runtime: /);
  await toast.waitFor({ timeout: LOAD_MS });
  await expectText(toast, /the native onnxruntime binary \S*onnxruntime_binding\.node \(\w+-\w+\) failed to load/);
  const useWasm = toast.locator('.monaco-button', { hasText: /^Use WebAssembly$/ });
  await useWasm.waitFor();
  await toast.locator('.monaco-button', { hasText: /^Show Log$/ }).waitFor();
  await toast.locator('.monaco-button', { hasText: /^Open Settings$/ }).waitFor();
  await expectEditorText(file, FILLED[file]);
  await notification(/GLM Infill: filling/).waitFor({ state: 'detached' }); // its preview decoration goes with it
  await expectStatus(/^\s*GLM span · wasm · \d+ tok\/s · off$/, { warning: true });
  await shoot('flow8-no-native-binary-wasm');
  await useWasm.click();
  await expectStatus(/^\s*GLM span · wasm · /, { warning: false, loading: false });
  await save(file);
  assertEqual(readDisk(file), FILLED[file], `${file} on disk`);
}

/** 11. Two marked blanks; "Next Blank" from the palette selects one after the other, wrapping, and says which. */
async function flowNextBlank() {
  const file = 'blanks.md';
  const lines = FILES[file].split('\n');
  await markLines(file, [3, 5]);
  await cursorAtEndOfLine(file, 1);
  await runCommand('GLM Infill: Next Blank');
  // The selection is the blank (VS Code's own status item says where the cursor is and what is selected).
  await expectText(cursorPosition(), exactly(`Ln 3, Col ${lines[2].length + 1} (${lines[2].length} selected)`));
  await statusMessage(exactly(`GLM Infill: Blank 1 of 2, line 3: "${lines[2]}"`)).waitFor();
  await shoot('flow11-next-blank');
  await runCommand('GLM Infill: Next Blank');
  await expectText(cursorPosition(), exactly(`Ln 5, Col ${lines[4].length + 1} (${lines[4].length} selected)`));
  await statusMessage(exactly(`GLM Infill: Blank 2 of 2, line 5: "${lines[4]}"`)).waitFor();
  await runCommand('GLM Infill: Next Blank');
  await statusMessage(exactly(`GLM Infill: Blank 1 of 2, line 3: "${lines[2]}" (wrapped around)`)).waitFor();
  await expectText(cursorPosition(), exactly(`Ln 3, Col ${lines[2].length + 1} (${lines[2].length} selected)`));
  await expectEditorText(file, FILES[file]);
}

/** 12. Blanks marked, the window reloaded ("Developer: Reload Window"): "List Blanks" shows both again. */
async function flowBlanksSurviveReload() {
  const file = 'reload.md';
  const lines = FILES[file].split('\n');
  await markLines(file, [3, 5]);
  await expectClean(file); // marking changes no text: nothing to save, nothing to lose
  await runCommand('File: Save All Files'); // other flows' unsaved edits would hold up the reload
  const reloaded = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await runCommand('Developer: Reload Window');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: LOAD_MS });
  await explorerRow(file).waitFor({ timeout: LOAD_MS });
  await openFile(file);
  await focusEditor(file);
  await runCommand('GLM Infill: List Blanks'); // offered only where the document has blanks
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const row = (n, line) =>
    rows.filter({ hasText: `Blank ${n}: "${lines[line - 1]}"` }).filter({ hasText: `line ${line}` });
  await row(1, 3).waitFor();
  await row(2, 5).waitFor();
  await shoot('flow12-blanks-survive-reload');
  await row(2, 5).click();
  await expectText(cursorPosition(), exactly(`Ln 5, Col ${lines[4].length + 1} (${lines[4].length} selected)`));
  await expectEditorText(file, FILES[file]);
  await expectClean(file);
}

/** Marks each line (1-based) of `file` as a blank, one "Mark Selection as Blank" each. */
async function markLines(file, lineNumbers) {
  await openFile(file);
  for (const [k, n] of lineNumbers.entries()) {
    await selectLine(file, n);
    await runCommand('GLM Infill: Mark Selection as Blank');
    await statusMessage(new RegExp(`GLM Infill: ${k + 1} blanks? marked`)).waitFor();
  }
}

/** VS Code's "Ln 3, Col 5 (4 selected)" status item. */
function cursorPosition() {
  return page.locator('[id="status.editor.selection"]');
}

/**
 * 13. "GLM Infill: Open Walkthrough" from the palette shows the walkthrough; its mode step's button opens the
 * settings page beside it, and after a window reload the page is back (the extension's webview serializer), showing
 * the settings again.
 */
async function flowWalkthrough() {
  if (await tab('GLM Infill Settings').count()) await closeTab('GLM Infill Settings'); // flow 2 left it open
  await runCommand('GLM Infill: Open Walkthrough');
  const walkthrough = page.locator('.gettingStartedContainer');
  await expectText(walkthrough, /Get Started with GLM Infill/);
  for (const step of ['Fill a blank', 'Mark several blanks', 'Ghost text in Markdown', 'Choose a mode', 'Bring a'])
    await expectText(walkthrough, new RegExp(step));
  await walkthrough.locator('.monaco-button', { hasText: /^Open a sample$/ }).waitFor(); // the first step is open
  // Its Markdown (media/walkthrough/fill.md, from the VSIX) in VS Code's own webview beside the steps.
  const media = page.frameLocator('iframe.webview.ready[src*="extensionId=&"]').frameLocator('#active-frame');
  await expectText(media.locator('h1'), /^Fill a blank$/);
  await shoot('flow13-walkthrough');

  await walkthrough.locator('button.getting-started-step', { hasText: 'Choose a mode' }).click();
  await walkthrough.locator('.monaco-button', { hasText: /^Open the settings page$/ }).click();
  let panel = await settingsPanel();
  await panel.locator('#mode vscode-radio[value="sentence"][checked]').waitFor({ state: 'attached' }); // flow 4's
  await shoot('flow13-walkthrough-settings');

  const reloaded = page.waitForEvent('load', { timeout: LOAD_MS }); // the old workbench's tabs are not the answer
  await runCommand('Developer: Reload Window');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ timeout: LOAD_MS });
  await tab('GLM Infill Settings').waitFor({ timeout: LOAD_MS });
  await tab('GLM Infill Settings').click(); // a restored webview comes back when it is shown
  panel = await settingsPanel({ timeout: LOAD_MS }); // once the extension host is up again
  await panel.locator('#mode vscode-radio[value="sentence"][checked]').waitFor({ state: 'attached' }); // state again
  await shoot('flow13-settings-restored');
}

// ---------------------------------------------------------------------------------------------------------------
// Expectations from the CLI

function expectations() {
  const fill = FILES['fill.md'].split('\n');
  fill[3] = '[MASK]';
  fill[5] = '[MASK]';
  const mode = FILES['mode.md'].split('\n');
  const asKind = (marker) => mode.map((line, i) => (i === 1 ? marker : line)).join('\n');
  const draft = typedDraft();
  const out = {
    fill: cli(fill.join('\n')),
    sentence: cli(asKind('[sMASK]')),
    span: cli(asKind('[MASK]')),
    // Inline: a zero-width blank of the mode at the cursor, glmInfill.inline.maxTokens (16) at most, token healing on.
    inline: cli(`${draft.slice(0, -1)}[MASK]\n`, ['-n', '16', '--token-healing']), // inline suggestions heal
    ghost: ghostItems(`${FILES['ghost.md'].slice(0, -1)} and[MASK]\n`),
  };
  if (out.sentence === out.span) {
    throw new Error(
      'mode.md fills the same as a span and as a sentence with this model: flow 4 could not tell the modes apart',
    );
  }
  return out;
}

function typedDraft() {
  return FILES['draft.md'].replace(/walk\n$/, 'walk and\n');
}

/**
 * The ghost-text items of a request with 3 candidates (glmInfill.inline.candidates' default), in the order the
 * extension offers them: the greedy fill first, then the others best first; none twice, none without visible text.
 */
function ghostItems(text) {
  const { candidates } = cliJson(text, ['-n', '16', '--token-healing', '-c', '3']).spans[0];
  const ordered = [...candidates.filter((c) => c.draw === 0), ...candidates.filter((c) => c.draw !== 0)];
  return [...new Set(ordered.map((c) => c.text).filter((t) => t.trim() !== ''))];
}

function cli(text, args = []) {
  return cliJson(text, args).text;
}

function cliJson(text, args) {
  // The CLI's default threads are the extension's (half the cores, at most 4).
  const json = execFileSync(
    process.execPath,
    [
      join(root, 'dist', 'cli.js'),
      '--model',
      fixture,
      '--min-tokens',
      String(SETTINGS['glmInfill.minTokens']),
      '--json',
      ...args,
      text,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(json);
}

// ---------------------------------------------------------------------------------------------------------------
// Driving the workbench

async function flow(name, fn) {
  const start = performance.now();
  try {
    await fn();
    results.push({ name, ok: true, seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    results.push({ name, ok: false, error });
    await shoot(`${name}-FAILED`);
    diagnose(name);
    // Leave no menu, palette or notification behind for the next flow.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Escape').catch(() => undefined);
  }
}

async function shoot(name) {
  const file = `${name}.png`;
  try {
    await page.screenshot({ path: join(outputDir, file) });
    screenshots.push(file);
  } catch (error) {
    console.error(`screenshot ${file} failed: ${error}`);
  }
}

/** After a failure: the user settings and the extension's log, as they are now. */
function diagnose(name) {
  const logs = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name === 'GLM Infill.log') logs.push(join(dir, entry.name));
    }
  };
  try {
    walk(join(session.temp, 'ud', 'logs'));
    console.log(`--- ${name}: user settings\n${readFileSync(session.userSettingsFile, 'utf8')}`);
    for (const log of logs)
      console.log(`--- ${name}: ${log}\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`);
  } catch (error) {
    console.log(`(no diagnostics: ${error})`);
  }
}

function explorerRow(file) {
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: exactly(file) });
}

// The user works in the active editor group: a reload can restore the same file in another group too (flow 12 after
// flow 13 left the settings page beside the editor), and both copies then match a file-only locator. (A function, not
// a constant: the flows run from top-level code above this line.)
function activeGroup() {
  return '.editor-group-container.active';
}

function editor(file) {
  return page.locator(`${activeGroup()} .monaco-editor[data-uri$="/${file}"]`);
}

function activeGroupTab(file) {
  return page.locator(`${activeGroup()} .tabs-container .tab`).filter({
    has: page.locator('.label-name', { hasText: exactly(file) }),
  });
}

function tab(label) {
  return page.locator('.tabs-container .tab').filter({ has: page.locator('.label-name', { hasText: exactly(label) }) });
}

async function openFile(file) {
  await explorerRow(file).click();
  await editor(file).waitFor();
  await activeGroupTab(file).and(page.locator('.tab.active')).waitFor();
}

async function focusEditor(file) {
  await editor(file).locator('.view-lines').click();
  await editor(file)
    .locator('.monaco-editor.focused, textarea:focus')
    .first()
    .waitFor()
    .catch(async () => {
      await editor(file).and(page.locator('.focused')).waitFor();
    });
}

/** Selects line n (1-based) without its line break. */
async function selectLine(file, n) {
  await cursorAtEndOfLine(file, n);
  await page.keyboard.press('Shift+Home');
}

async function cursorAtEndOfLine(file, n) {
  await focusEditor(file);
  await page.keyboard.press('Control+Home');
  for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

/** Runs a command from the palette. Retried: the list can be read before the extension registered its commands. */
async function runCommand(title) {
  const input = page.locator('.quick-input-widget .quick-input-box input:visible');
  const row = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly(title) }) });
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    try {
      await row.first().waitFor({ timeout: 5_000 });
      await row.first().click();
      await input.waitFor({ state: 'hidden' });
      return;
    } catch (error) {
      if (attempt >= 6) throw new Error(`command "${title}" not in the palette`, { cause: error });
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden' });
    }
  }
}

async function save(file) {
  await focusEditor(file);
  await page.keyboard.press('Control+s');
  await expectClean(file);
}

async function expectDirty(file) {
  await activeGroupTab(file).and(page.locator('.tab.dirty')).waitFor();
}

async function expectClean(file) {
  await activeGroupTab(file).and(page.locator('.tab:not(.dirty)')).waitFor();
}

async function closeTab(label) {
  const t = tab(label);
  await t.hover();
  await t.locator('.tab-actions .action-label').click();
  await t.waitFor({ state: 'detached' });
}

function notification(text) {
  return page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
}

function statusItem() {
  return page.locator('[id="glm-infill.glm-infill.glmInfill.status"]');
}

/** Clicks the status bar item and picks the entry whose label ends with `label` in the menu it opens. */
async function fromStatusMenu(label, screenshot) {
  await statusItem().click();
  const row = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`${label}$`) }) });
  await row.first().waitFor();
  if (screenshot) await shoot(screenshot);
  await row.first().click();
  await page.locator('.quick-input-widget .quick-input-box input:visible').waitFor({ state: 'hidden' });
}

function statusMessage(text) {
  return page.locator('.statusbar-item').filter({ hasText: text });
}

/** The status bar item's text (and, if given, whether it shows the loading spinner or the warning state). */
async function expectStatus(text, { loading, warning } = {}) {
  const item = statusItem();
  await expectText(item, text);
  if (loading !== undefined)
    await item.locator('.codicon-loading').waitFor({ state: loading ? 'attached' : 'detached' });
  if (warning !== undefined)
    await item.locator('.codicon-warning').waitFor({ state: warning ? 'attached' : 'detached' });
}

/**
 * The settings webview's page: an iframe (the webview; the extension's, as the walkthrough's Markdown is a webview
 * too) holding another (the page itself). Its controls are web components: CSS locators pierce their shadow roots.
 */
async function settingsPanel({ timeout = UI_MS } = {}) {
  await tab('GLM Infill Settings').waitFor({ timeout });
  const frame = page
    .frameLocator('iframe.webview.ready[src*="extensionId=glm-infill.glm-infill"]')
    .frameLocator('#active-frame');
  await frame.locator('main#app:not([aria-busy])').waitFor({ timeout });
  await frame.locator('#device vscode-option').first().waitFor({ state: 'attached', timeout }); // the first state
  return frame;
}

/**
 * Waits until the editor shows `text` (a document's text; its final line break ends the last line), re-checking
 * on every change of the rendered lines. Monaco renders spaces as U+00A0.
 */
async function expectEditorText(file, text) {
  const want = shown(text);
  const lines = editor(file).locator('.view-lines');
  const read = (el) =>
    [...el.querySelectorAll('.view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => line.textContent.replace(/\u00a0/g, ' '))
      .join('\n');
  try {
    await deadline(
      lines.evaluate(
        (el, expected) =>
          new Promise((resolveShown) => {
            const read = (root) =>
              [...root.querySelectorAll('.view-line')]
                .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
                .map((line) => line.textContent.replace(/\u00a0/g, ' '))
                .join('\n');
            const check = () => {
              if (read(el) !== expected) return;
              observer.disconnect();
              resolveShown();
            };
            const observer = new MutationObserver(check);
            observer.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
            check();
          }),
        want,
      ),
      UI_MS,
      'timed out',
    );
  } catch (error) {
    const now = await lines.evaluate(read).catch(() => '?');
    throw new Error(
      `${file} shows ${JSON.stringify(now)}, expected ${JSON.stringify(want)} (${error.message.split('\n')[0]})`,
      { cause: error },
    );
  }
}

/** How Monaco draws text: control characters as their Unicode pictures (U+2400 + code). */
function shown(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));
}

/** Waits for the element's text to match (Playwright re-checks on every DOM change). */
async function expectText(locator, pattern) {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor();
  } catch (error) {
    const text = await locator
      .first()
      .innerText()
      .catch(() => '(no element)');
    throw new Error(`text ${JSON.stringify(text)} does not match ${pattern} (${error.message.split('\n')[0]})`, {
      cause: error,
    });
  }
}

/** `promise`, or an error after `ms`. */
function deadline(promise, ms, what) {
  let timer;
  const late = new Promise(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} (${ms / 1000} s)`)), ms)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function readDisk(file) {
  return readFileSync(join(session.workspace, file), 'utf8');
}

function assertEqual(actual, want, what) {
  if (actual !== want) throw new Error(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(want)}`);
}

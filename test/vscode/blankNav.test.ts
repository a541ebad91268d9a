import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BLANKS_KEY, BlankPersistence, type SnapshotMemento } from '../../src/editor/blankPersistence.js';
import type { BlankStep } from '../../src/editor/blankNavigator.js';
import { blankItems } from '../../src/editor/blankNavigator.js';
import { BlankStore } from '../../src/editor/blankStore.js';
import type { FillOutcome } from '../../src/editor/filler.js';
import type { Announcement } from '../../src/editor/fillAnnouncer.js';
import type { Notice } from '../../src/editor/notifier.js';
import { type BlankSnapshot, textHash } from '../../src/fill/blankSnapshot.js';
import { fillAnnouncement } from '../../src/fill/fillAnnouncement.js';
import { BASE_SETTINGS, api, closeAll, configure, nextEvent, select } from './helpers.js';

const TEXT = 'Alpha beta gamma.\nDelta epsilon zeta.\nEta theta iota.\n';

function step(direction: 'next' | 'previous'): Thenable<BlankStep | undefined> {
  return vscode.commands.executeCommand<BlankStep | undefined>(`glmInfill.${direction}Blank`);
}

function selected(editor: vscode.TextEditor): string {
  return editor.document.getText(editor.selection);
}

/** Workspace state of its own, so the running extension's store and persistence never see these blanks. */
function memoryMemento(): SnapshotMemento {
  const values = new Map<string, unknown>();
  return {
    get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
    update: async (key: string, value: unknown) => void values.set(key, JSON.parse(JSON.stringify(value))),
  } as SnapshotMemento;
}

/** A store and its persistence as a window has them; `close` is the window going away (a reload). */
async function window(memento: SnapshotMemento) {
  const glm = await api();
  const store = new BlankStore();
  const persistence = new BlankPersistence(store, memento, glm.notifier);
  return {
    store,
    persistence,
    close: () => {
      persistence.dispose();
      store.dispose();
    },
  };
}

/**
 * A file on disk, open in an editor. Files, not untitled documents: a closed untitled document's name comes back for
 * the next one, and the extension host can still answer with the closed one for a moment.
 */
async function openFile(text: string): Promise<vscode.TextEditor> {
  const path = join(mkdtempSync(join(tmpdir(), 'glm-infill-blanks-')), 'notes.md');
  writeFileSync(path, text);
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(path)));
}

/** The file changed outside the editor: written on disk, then read back into the open document. */
async function changeOnDisk(editor: vscode.TextEditor, text: string): Promise<void> {
  writeFileSync(editor.document.uri.fsPath, text);
  await vscode.window.showTextDocument(editor.document);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  for (let i = 0; i < 50 && editor.document.getText() !== text; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(editor.document.getText(), text);
}

function texts(document: vscode.TextDocument, blanks: readonly { start: number; end: number }[]): string[] {
  return blanks.map((b) => document.getText().slice(b.start, b.end));
}

/** Saves what the fills changed (temporary files: a dirty one would ask before closing), then closes every editor. */
async function saveAndCloseAll(): Promise<void> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file');
  await Promise.all(dirty.map((d) => d.save()));
  await closeAll();
}

/** Collects the notifier's messages while `fn` runs. */
async function notices(fn: () => Promise<void>): Promise<Notice[]> {
  const glm = await api();
  const seen: Notice[] = [];
  const subscription = glm.notifier.onDidNotify((n) => seen.push(n));
  try {
    await fn();
  } finally {
    subscription.dispose();
  }
  return seen;
}

describe('blank navigation', () => {
  before(() => configure(BASE_SETTINGS));
  afterEach(saveAndCloseAll);

  it('Next and Previous Blank select each marked blank in turn, wrapping at both ends', async () => {
    const editor = await openFile(TEXT);
    select(editor, 'beta', 'epsilon', 'iota');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    editor.selection = new vscode.Selection(1, 0, 1, 0); // the start of line 2, between blanks 1 and 2
    assert.deepEqual(await step('next'), {
      index: 1,
      count: 3,
      wrapped: false,
      message: 'Blank 2 of 3, line 2: "epsilon"',
    });
    assert.equal(selected(editor), 'epsilon');
    assert.equal((await step('next'))?.index, 2);
    assert.equal(selected(editor), 'iota');
    const wrapped = await step('next');
    assert.deepEqual([wrapped?.index, wrapped?.wrapped], [0, true]);
    assert.equal(selected(editor), 'beta');
    assert.equal(editor.selection.start.line, 0);
    const back = await step('previous');
    assert.deepEqual(
      [back?.index, back?.wrapped, back?.message],
      [2, true, 'Blank 3 of 3, line 3: "iota" (wrapped around)'],
    );
    assert.equal(selected(editor), 'iota');
    assert.equal((await step('previous'))?.index, 1);
    assert.equal(selected(editor), 'epsilon');
  });

  it('say so and move nothing in a document without blanks', async () => {
    const editor = await openFile(TEXT);
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    assert.equal(await step('next'), undefined);
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [1, 3]);
  });

  it('List Blanks shows each blank with its line and text, and choosing one selects it', async () => {
    const glm = await api();
    const editor = await openFile(TEXT);
    select(editor, 'gamma', 'theta');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    const items = blankItems(editor.document, glm.blanks, glm.lastFills);
    assert.deepEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['Marked blanks', undefined],
        ['Blank 1: "gamma"', 'line 1'],
        ['Blank 2: "theta"', 'line 3'],
      ],
    );
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const picked = vscode.commands.executeCommand<{ start: number } | undefined>('glmInfill.listBlanks');
    // The quick pick opens with its first blank active; Enter (the accept command) chooses it.
    let chosen: { start: number } | undefined | 'open' = 'open';
    void picked.then((p) => (chosen = p));
    for (let i = 0; i < 50 && chosen === 'open'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.notEqual(chosen, 'open', 'the quick pick was never accepted');
    assert.equal(selected(editor), 'gamma');
  });

  it('a fill is announced blank by blank; List Blanks and Next Blank then show what it wrote', async () => {
    const glm = await api();
    const editor = await openFile(TEXT);
    select(editor, 'beta', 'theta');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const announced = nextEvent<Announcement>(glm.announcer.onDidAnnounce, () => true);
    const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
    assert.equal(outcome.status, 'applied');
    const announcement = await announced;
    assert.equal(announcement.text, fillAnnouncement(outcome.fills));
    assert.match(announcement.text, /^GLM Infill filled 2 blanks: 1 ".+", 2 ".+"\.$/);
    assert.equal(announcement.via, 'statusBar'); // 'auto' outside screen-reader mode
    // The written text, where it is now: each range holds its fill (less the space the blank already had).
    const written = glm.lastFills.list(editor.document);
    assert.deepEqual(
      written.map((w) => w.blank),
      [1, 2],
    );
    texts(editor.document, written).forEach((text, i) => assert.equal(text.trim(), outcome.fills[i]?.trim()));
    const items = blankItems(editor.document, glm.blanks, glm.lastFills);
    assert.equal(items[0]?.label, 'Written by the last fill');
    assert.equal(items.length, 3);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    assert.match((await step('next'))?.message ?? '', /^Filled blank 1 of 2, line 1: /);
    assert.equal(selected(editor), texts(editor.document, written)[0]);
  });

  it('glmInfill.announceFills "notification" announces each fill as a notification too', async () => {
    const glm = await api();
    await configure({ announceFills: 'notification' });
    try {
      const editor = await openFile(TEXT);
      select(editor, 'zeta');
      const announced = nextEvent<Announcement>(glm.announcer.onDidAnnounce, () => true);
      await vscode.commands.executeCommand('glmInfill.fillBlank');
      assert.equal((await announced).via, 'notification');
    } finally {
      await vscode.commands.executeCommand('notifications.clearAll');
      await configure({ announceFills: 'auto' });
    }
  });
});

describe('marked blanks across reloads', () => {
  before(() => configure(BASE_SETTINGS));
  afterEach(saveAndCloseAll);

  it('are saved in workspace state with the text hash, and a new window restores them', async () => {
    const glm = await api();
    const editor = await openFile(TEXT);
    select(editor, 'beta', 'zeta');
    await vscode.commands.executeCommand('glmInfill.markBlank');
    glm.persistence.flush();
    const saved = glm.workspaceState.get<Record<string, BlankSnapshot>>(BLANKS_KEY)?.[editor.document.uri.toString()];
    assert.equal(saved?.hash, textHash(TEXT));
    assert.deepEqual(
      saved?.blanks.map((b) => b.text),
      ['beta', 'zeta'],
    );
    // The reload: a new store over the same workspace state finds the document open and puts the blanks back.
    const reloaded = await window(glm.workspaceState);
    try {
      const blanks = reloaded.store.list(editor.document);
      assert.deepEqual(texts(editor.document, blanks), ['beta', 'zeta']);
      assert.deepEqual(
        blanks.map((b) => b.kind),
        glm.blanks.list(editor.document).map((b) => b.kind),
      );
    } finally {
      reloaded.close();
    }
    // "Clear Blanks" forgets them for good.
    await vscode.commands.executeCommand('glmInfill.clearBlanks');
    glm.persistence.flush();
    assert.equal(
      glm.workspaceState.get<Record<string, unknown>>(BLANKS_KEY)?.[editor.document.uri.toString()],
      undefined,
    );
  });

  it('follow text added on disk before them, with no message', async () => {
    const memento = memoryMemento();
    const editor = await openFile(TEXT);
    const first = await window(memento);
    first.store.mark(editor.document, [range(editor, 'epsilon'), range(editor, 'iota')], 'span');
    first.close();
    const changed = `# Added outside\n\n${TEXT}`;
    await changeOnDisk(editor, changed);
    let second: Awaited<ReturnType<typeof window>> | undefined;
    const told = await notices(async () => void (second = await window(memento)));
    try {
      assert.deepEqual(told, []);
      assert.deepEqual(texts(editor.document, second?.store.list(editor.document) ?? []), ['epsilon', 'iota']);
    } finally {
      second?.close();
    }
  });

  it('are all dropped, with one message, when the file was rewritten outside the editor', async () => {
    const memento = memoryMemento();
    const editor = await openFile(TEXT);
    const first = await window(memento);
    first.store.mark(editor.document, [range(editor, 'beta'), range(editor, 'theta')], 'span');
    first.close();
    await changeOnDisk(editor, 'Something else entirely.\n');
    let second: Awaited<ReturnType<typeof window>> | undefined;
    const told = await notices(async () => void (second = await window(memento)));
    try {
      assert.deepEqual(told, [
        {
          severity: 'warning',
          message:
            '2 marked blanks in notes.md were dropped: the file changed outside the editor, so they could no longer be placed.',
        },
      ]);
      assert.deepEqual(second?.store.list(editor.document), []);
      assert.equal(memento.get<Record<string, unknown>>(BLANKS_KEY)?.[editor.document.uri.toString()], undefined);
    } finally {
      second?.close();
    }
  });

  it('a blank that an external edit overlapped is dropped, the others kept, and the user told once', async () => {
    const memento = memoryMemento();
    const editor = await openFile(TEXT);
    const first = await window(memento);
    first.store.mark(
      editor.document,
      [range(editor, 'Alpha'), range(editor, 'epsilon'), range(editor, 'iota')],
      'span',
    );
    first.close();
    const changed = TEXT.replace('Delta epsilon zeta', 'Delta EPSILON zeta').replace('Alpha beta', 'Alpha, beta');
    await changeOnDisk(editor, changed);
    let second: Awaited<ReturnType<typeof window>> | undefined;
    const told = await notices(async () => void (second = await window(memento)));
    assert.deepEqual(
      told.map((n) => n.message),
      [
        '1 marked blank in notes.md was dropped: the file changed outside the editor, so it could no longer be placed. 2 others were kept.',
      ],
    );
    assert.deepEqual(texts(editor.document, second?.store.list(editor.document) ?? []), ['Alpha', 'iota']);
    second?.close();
    // Saved again with the text as it is now: the next window restores the two without a word.
    let third: Awaited<ReturnType<typeof window>> | undefined;
    assert.deepEqual(await notices(async () => void (third = await window(memento))), []);
    assert.deepEqual(texts(editor.document, third?.store.list(editor.document) ?? []), ['Alpha', 'iota']);
    third?.close();
  });
});

function range(editor: vscode.TextEditor, word: string): vscode.Range {
  const at = editor.document.getText().indexOf(word);
  assert.ok(at >= 0, `${word} is not in the document`);
  return new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + word.length));
}

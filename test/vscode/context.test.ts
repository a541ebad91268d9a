import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FillOutcome } from '../../src/editor/filler.js';
import { BASE_SETTINGS, closeAll, configure } from './helpers.js';

// The shipped model: the context cache is about real fills, which the random fixture cannot make.
const DEFAULT_MODEL = join(__dirname, '..', '..', '..', 'models', 'default');

// Another file of the project: the only place the identifier is written.
const GEOMETRY = `export interface Point { x: number; y: number }

export function boundingRadius(points: Point[]): number {
  let radius = 0;
  for (const p of points) radius = Math.max(radius, Math.hypot(p.x, p.y));
  return radius;
}

export function describeShape(points: Point[]): string {
  const radius = boundingRadius(points);
  return \`\${points.length} points within \${radius.toFixed(2)}\`;
}
`;

// A third file that calls it, as the blanked file does.
const REPORT = `import { boundingRadius, type Point } from './geometry';

const triangle: Point[] = [{ x: 0, y: 2 }, { x: -2, y: -1 }, { x: 2, y: -1 }];
const radius = boundingRadius(triangle);
console.log(\`triangle: \${radius}\`);
`;

// The file the user fills: the call's name is selected, and nothing else in it names the function.
const MAIN = `import type { Point } from './geometry';

const square: Point[] = [{ x: 1, y: 1 }, { x: -1, y: 1 }, { x: -1, y: -1 }, { x: 1, y: -1 }];
const radius = boundingRadius(square);
console.log(\`square: \${radius}\`);
`;

const workspaceFile = (name: string): string =>
  join((vscode.workspace.workspaceFolders?.[0] as vscode.WorkspaceFolder).uri.fsPath, name);

async function fillSelectedName(files: 'sameLanguage' | 'documentOnly'): Promise<string> {
  await configure({ 'context.files': files });
  for (const other of ['geometry.ts', 'report.ts']) {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(other)), {
      preview: false,
    });
  }
  const editor = await vscode.window.showTextDocument(
    await vscode.workspace.openTextDocument(workspaceFile('main.ts')),
    { preview: false },
  );
  const at = MAIN.indexOf('boundingRadius');
  editor.selection = new vscode.Selection(
    editor.document.positionAt(at),
    editor.document.positionAt(at + 'boundingRadius'.length),
  );
  const outcome = await vscode.commands.executeCommand<FillOutcome>('glmInfill.fillBlank');
  assert.equal(outcome.status, 'applied', outcome.error);
  const text = editor.document.getText();
  await vscode.commands.executeCommand('workbench.action.files.revert');
  return text;
}

describe('Context cache (shipped model)', function () {
  this.timeout(180_000);
  before(async () => {
    writeFileSync(workspaceFile('geometry.ts'), GEOMETRY);
    writeFileSync(workspaceFile('report.ts'), REPORT);
    writeFileSync(workspaceFile('main.ts'), MAIN);
    await configure({ modelPath: DEFAULT_MODEL, mode: 'auto', maxTokens: 12, minTokens: 0 });
  });
  after(async () => {
    await closeAll();
    await configure({ ...BASE_SETTINGS });
    rmSync(workspaceFile('geometry.ts'), { force: true });
    rmSync(workspaceFile('report.ts'), { force: true });
    rmSync(workspaceFile('main.ts'), { force: true });
  });

  it('fills a selected identifier with a name that only another open file of the project writes', async () => {
    const filled = await fillSelectedName('sameLanguage');
    assert.equal(filled, MAIN, 'the fill is the name geometry.ts defines');
  });

  it('does not find that name from the blanked file alone', async () => {
    await closeAll();
    const filled = await fillSelectedName('documentOnly');
    assert.notEqual(filled, MAIN);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoKind, selectionShape } from '../../src/glm/autoKind.js';

/** The shape of the selection written between « and » in `marked`. */
function shapeOf(marked: string): string {
  const start = marked.indexOf('«');
  const end = marked.indexOf('»') - 1;
  const text = marked.replace('«', '').replace('»', '');
  return `${selectionShape(text, start, end)} → ${autoKind(text, start, end)}`;
}

test('a selection inside a line is a span', () => {
  assert.equal(shapeOf('The valley was «green» and the hills were high.'), 'inline → span');
  assert.equal(shapeOf('total = «compute»(items)\n'), 'inline → span');
  assert.equal(shapeOf('if (x) {\n  run(«items»);\n}\n'), 'inline → span');
});

test('punctuation alone inside a line (a closing bracket) is a sentence blank: it ends at the line end', () => {
  assert.equal(shapeOf('total = sum(items«)»;\n'), 'punctuation → sentence');
  assert.equal(shapeOf('if (ok) {\n  run(x);\n«}»\n'), 'lines → sentence');
});

test('an empty selection is a cursor', () => {
  assert.equal(shapeOf('const x = «»\n'), 'cursor → span');
  assert.equal(autoKind('The valley was ', 15, 15, 'prose'), 'sentence');
});

test('whole lines, with or without their indentation, are sentence blanks', () => {
  assert.equal(shapeOf('def f():\n    «return 1»\n\nprint(f())\n'), 'lines → sentence');
  assert.equal(shapeOf('def f():\n«    return 1\n»\nprint(f())\n'), 'lines → sentence');
  assert.equal(shapeOf('a = 1\n«b = 2\nc = 3»\nd = 4\n'), 'lines → sentence');
});

test('a whole sentence inside a paragraph is a sentence blank', () => {
  assert.equal(shapeOf('It rained. «The valley was green.» The hills were high.'), 'sentence → sentence');
  // Half a sentence is not.
  assert.equal(shapeOf('It rained. The valley «was green.» The hills were high.'), 'inline → span');
});

test('several lines that run to the end of the document are a document blank', () => {
  assert.equal(shapeOf('# Title\n\nFirst paragraph.\n«Second paragraph.\nThird one.»\n'), 'rest → document');
  // The last line alone is a line.
  assert.equal(shapeOf('# Title\n\n«Last line.»\n'), 'lines → sentence');
});

// Text from a model folder reaches VS Code notifications (issue 15, item 10); inertText must leave no link in it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inertText } from '../../src/fill/inertText.js';

// VS Code's notification link pattern (src/vs/base/common/linkedText.ts, LINK_REGEX), as the notification viewer
// applies it before opening a link with commands allowed.
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

const HOSTILE = [
  'Model "[Reload the model](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22echo%20pwned%5Cn%22%7D)" was not trained with span blanks',
  '[a](https://example.com) [b](file:///etc/passwd) [c](command:x "title") [[d]](command:y)',
  '[x]]](command:z) ]( [y](COMMAND:w)',
];

test('no VS Code notification link survives, and every visible character stays', () => {
  for (const text of HOSTILE) {
    const shown = inertText(text);
    assert.equal(shown.match(VSCODE_LINK), null, shown);
    assert.equal(shown.replace(/\u200b/g, ''), text);
  }
});

test('Markdown link forms are broken too: autolinks and reference definitions', () => {
  assert.doesNotMatch(inertText('<command:workbench.action.quit>'), /<command:/);
  assert.doesNotMatch(inertText('[x]: command:workbench.action.quit'), /\]:/);
});

test('ordinary messages are unchanged', () => {
  const message =
    'GLM Infill could not load the model: /models/a [v2]/glm.json is not valid JSON (at character 12): fix or replace the manifest.';
  assert.equal(inertText(message), message);
});

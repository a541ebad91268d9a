import type * as vscode from 'vscode';
import type { TextKind } from '../glm/index.js';

// The prose languages of the inline defaults (package.json): an empty cursor there asks for a sentence.
const PROSE_LANGUAGES = new Set(['markdown', 'plaintext', 'latex', 'restructuredtext', 'asciidoc']);

export function textKindOf(document: vscode.TextDocument): TextKind {
  return PROSE_LANGUAGES.has(document.languageId) ? 'prose' : 'code';
}

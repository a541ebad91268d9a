// Pure (no vscode import), so plain-Node unit tests cover it.

/** U+200B ZERO WIDTH SPACE: invisible, so the message reads the same, but it breaks the character pairs links need. */
const BREAK = '\u200b';

/**
 * Text that no VS Code surface turns into a link. Notification messages are parsed for `[label](target)` links
 * (`parseLinkedText`: `https:`, `file:` and `command:` targets, opened with commands allowed), and messages can hold
 * strings from a model folder (its name, a bad manifest value, a file name): one click on such a link could run any
 * command. Every link form needs `](`; Markdown surfaces also link `<scheme:…>` autolinks and `[label]: target`
 * definitions. A zero-width space inside each of those pairs leaves every visible character as it was.
 */
export function inertText(text: string): string {
  return text.replace(/\]([(:])/g, `]${BREAK}$1`).replace(/<([a-z][a-z0-9+.-]*:)/gi, `<${BREAK}$1`);
}

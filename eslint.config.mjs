import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', 'models/', 'test/fixtures/', 'test/e2e/', 'data/', 'runs/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Short functions in the product code: a long one is a loop or a step that wants a name. Counted as formatted
    // (prettier), without blank lines and comments. Test suites are long by nature.
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 50, skipBlankLines: true, skipComments: true }] },
  },
  {
    // src/glm is the core shared by the CLI and the extension: it must never depend on the editor.
    files: ['src/glm/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['vscode'], patterns: ['../editor/*', '../cli/*', '../fill/*', '../settings/*'] },
      ],
    },
  },
  {
    // The editor-independent front-end logic and the settings schema: plain Node, below the editor and the CLI
    // (editor → fill, settings → glm), so their tests run without an extension host.
    files: ['src/fill/**/*.ts', 'src/settings/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['vscode'], patterns: ['../editor/*', '../cli/*', '../fuzz/*', '../extension*'] },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

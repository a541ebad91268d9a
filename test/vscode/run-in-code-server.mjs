/* global process, console, setTimeout, clearTimeout */
// Runs the extension-host suite (out/test/vscode) inside a real VS Code: code-server's extension host, driven by
// Debian's chromium through playwright-core. The tools live in test/e2e (own package.json); see
// ../../../shared/docs/e2e.md for why (no VS Code download here). Server start and teardown are shared with the UI
// flows (test/e2e/code-server.mjs): a fresh temp directory, and code-server's whole process group killed at the
// end, also on failure (its extension hosts outlive the page).
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { newestVsix, outputDir, root, startCodeServer } from '../e2e/code-server.mjs';

const testsIndex = join(root, 'out', 'test', 'vscode', 'index.js');
const timeoutMs = Number(process.env.GLM_INFILL_TEST_TIMEOUT_MS ?? 15 * 60_000);
// --vsix <file>: test the packaged extension, installed into the fresh extensions folder, instead of the sources.
const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? resolve(process.argv[vsixArg + 1] ?? newestVsix()) : undefined;

let session;
let exitCode;

try {
  session = await startCodeServer({ vsix });
  exitCode = await runSuite();
} catch (error) {
  console.error(`run-in-code-server: ${error instanceof Error ? error.stack : error}`);
  if (session?.log.length) console.error(`code-server's last output:\n${session.log.slice(-30).join('\n')}`);
  exitCode = 1;
} finally {
  await session?.stop();
}
process.exit(exitCode);

async function runSuite() {
  // The host runs a suite only for a development extension: for a VSIX that is the folder it was installed to.
  const extension = vsix ? session.installedExtension() : root;
  const payload = [
    ['extensionDevelopmentPath', session.remote(extension)],
    ['extensionTestsPath', session.remote(testsIndex)],
  ];
  const browser = await session.launchBrowser();
  const page = browser.pages()[0] ?? (await browser.newPage());
  let settle;
  const finished = new Promise((r) => (settle = r));
  // The workbench calls these when the extension host's tests log and when they settle (as under test-electron).
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    // The host forwards console calls as (format, ...values), as Node's console received them.
    const text = format(...(Array.isArray(args) ? args : [args]));
    (type === 'error' ? console.error : console.log)(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
  await page.goto(session.url(payload));
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  const result = await finished;
  clearTimeout(timer);
  if (result === 'timeout') {
    await page.screenshot({ path: join(outputDir, 'timeout.png') }).catch(() => undefined);
    throw new Error(`The extension-host suite did not finish within ${timeoutMs / 1000} s`);
  }
  console.log(`extension-host suite exited with ${result}`);
  return result;
}

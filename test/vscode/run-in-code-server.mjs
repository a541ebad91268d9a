/* global process, console, fetch, setTimeout, clearTimeout */
// Runs the extension-host suite (out/test/vscode) inside a real VS Code: code-server's extension host, driven by
// Debian's chromium through playwright-core. The tools live in test/e2e (own package.json); see
// ../../../shared/docs/e2e.md for why (no VS Code download here). Everything runs in a fresh temp directory, and
// code-server's whole process group is killed at the end, also on failure (its extension hosts outlive the page).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = join(root, 'test', 'e2e');
const codeServer = join(tools, 'node_modules', '.bin', 'code-server');
const testsIndex = join(root, 'out', 'test', 'vscode', 'index.js');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const timeoutMs = Number(process.env.GLM_INFILL_TEST_TIMEOUT_MS ?? 15 * 60_000);
// --vsix <file>: test the packaged extension, installed into the fresh extensions folder, instead of the sources.
const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? resolve(process.argv[vsixArg + 1] ?? newestVsix()) : undefined;

/** The most recently built VSIX in the repository root (what `npm run package` just wrote). */
function newestVsix() {
  const built = readdirSync(root).filter((f) => /^glm-infill-.*\.vsix$/.test(f)).map((f) => join(root, f));
  built.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!built[0]) throw new Error('No glm-infill-*.vsix in the repository root: run npm run package first.');
  return built[0];
}

const require = createRequire(join(tools, 'package.json'));
const { chromium: playwright } = require('playwright-core');

const temp = mkdtempSync(join(tmpdir(), 'glm-infill-vscode-'));
let server;
let browser;
let exitCode = 1;

try {
  const port = await freePort();
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.md'), '# Notes\n\nThe tests open their own documents.\n');
  writeUserSettings(join(temp, 'ud', 'User'));
  if (vsix) installVsix(vsix);
  server = startCodeServer(port);
  await waitForHealth(port);
  exitCode = await runSuite(port, workspace);
} catch (error) {
  console.error(`run-in-code-server: ${error instanceof Error ? error.stack : error}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  stopServer();
  removeChromiumLeftovers();
  rmSync(temp, { recursive: true, force: true });
}
process.exit(exitCode);

function writeUserSettings(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    'git.enabled': false,
    'security.workspace.trust.enabled': false,
    'workbench.tips.enabled': false,
  }, null, 2));
}

function serverArgs() {
  const config = join(temp, 'config.yaml');
  writeFileSync(config, '');
  return ['--config', config, '--user-data-dir', join(temp, 'ud'), '--extensions-dir', join(temp, 'exts')];
}

function serverEnv() {
  return { ...process.env, XDG_CONFIG_HOME: join(temp, 'xdg-config'), XDG_DATA_HOME: join(temp, 'xdg-data'), TMPDIR: temp };
}

function installVsix(file) {
  execFileSync(codeServer, [...serverArgs(), '--install-extension', file], { env: serverEnv(), stdio: 'inherit', timeout: 120_000 });
}

function installedExtension() {
  const folder = readdirSync(join(temp, 'exts')).find((name) => name.startsWith('glm-infill.glm-infill-'));
  if (!folder) throw new Error(`The VSIX did not install into ${join(temp, 'exts')}`);
  return join(temp, 'exts', folder);
}

function startCodeServer(port) {
  const args = [
    ...serverArgs(), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
  ];
  // detached = its own process group (setsid), so one kill reaches the extension hosts it starts.
  const child = spawn(codeServer, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(),
  });
  const lines = [];
  const keep = (chunk) => lines.push(...String(chunk).split('\n').filter(Boolean).slice(-50));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (exitCode !== 0 && code !== null && code !== 0) console.error(`code-server exited (${code ?? signal}):\n${lines.slice(-30).join('\n')}`);
  });
  return child;
}

function stopServer() {
  if (!server?.pid) return;
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function waitForHealth(port) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode} before it was ready`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('code-server did not answer /healthz within 60 s');
}

async function runSuite(port, workspace) {
  const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
  // The host runs a suite only for a development extension: for a VSIX that is the folder it was installed to.
  const extension = vsix ? installedExtension() : root;
  const payload = [['extensionDevelopmentPath', remote(extension)], ['extensionTestsPath', remote(testsIndex)]];
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  browser = await playwright.launchPersistentContext(join(temp, 'chromium'), {
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
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
  await page.goto(url);
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  const result = await finished;
  clearTimeout(timer);
  if (result === 'timeout') {
    await page.screenshot({ path: join(root, 'test', 'e2e', 'output', 'timeout.png') }).catch(() => undefined);
    throw new Error(`The extension-host suite did not finish within ${timeoutMs / 1000} s`);
  }
  console.log(`extension-host suite exited with ${result}`);
  return result;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Chromium leaves crash-handler folders in /tmp even with its own profile directory. */
function removeChromiumLeftovers() {
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith('org.chromium.Chromium.')) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

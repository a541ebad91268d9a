/* global process, fetch, setTimeout */
// Shared by the extension-host runner (test/vscode/run-in-code-server.mjs) and the UI flows (run-ui.mjs): a
// code-server started in isolation on loopback (fresh temp directory, empty config, own user data, extensions and
// XDG folders), optionally with a VSIX installed, and Debian's chromium driven by playwright-core. See
// ../../../shared/docs/e2e.md for why it is done this way. `stop()` kills code-server's whole process group (its
// extension hosts outlive the page) and removes every temp file; it also runs on SIGINT/SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const tools = dirname(fileURLToPath(import.meta.url));
export const root = resolve(tools, '..', '..');
export const outputDir = join(tools, 'output');
const codeServer = join(tools, 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** User settings every test window gets: no tips, telemetry, updates, git or trust prompts. */
export const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
};

/** The most recently built VSIX in the repository root (what `npm run package` just wrote). */
export function newestVsix() {
  const built = readdirSync(root)
    .filter((f) => /^glm-infill-.*\.vsix$/.test(f))
    .map((f) => join(root, f));
  built.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!built[0]) throw new Error('No glm-infill-*.vsix in the repository root: run npm run package first.');
  return built[0];
}

/**
 * Starts a code-server in a fresh temp directory.
 * @param {{ vsix?: string, settings?: Record<string, unknown>, files?: Record<string, string> }} options
 *   vsix: installed into the fresh extensions folder first; settings: added to BASE_SETTINGS (user settings);
 *   files: the workspace folder's files (name → content).
 */
export async function startCodeServer(options = {}) {
  if (!statSync(codeServer, { throwIfNoEntry: false }))
    throw new Error('code-server is not installed: run bash test/e2e/install.sh');
  const temp = mkdtempSync(join(tmpdir(), 'glm-infill-vscode-'));
  const session = new Session(temp);
  active.add(session);
  try {
    mkdirSync(session.workspace);
    for (const [name, text] of Object.entries(
      options.files ?? { 'notes.md': '# Notes\n\nThe tests open their own documents.\n' },
    )) {
      writeFileSync(join(session.workspace, name), text);
    }
    mkdirSync(dirname(session.userSettingsFile), { recursive: true });
    writeFileSync(session.userSettingsFile, JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));
    writeFileSync(session.config, '');
    if (options.vsix) session.installVsix(options.vsix);
    session.port = await freePort();
    session.start();
    await session.waitForHealth();
    return session;
  } catch (error) {
    await session.stop();
    throw error;
  }
}

const active = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    Promise.all([...active].map((s) => s.stop())).finally(() => process.exit(130));
  });
}

class Session {
  constructor(temp) {
    this.temp = temp;
    this.workspace = join(temp, 'workspace');
    this.userSettingsFile = join(temp, 'ud', 'User', 'settings.json');
    this.config = join(temp, 'config.yaml');
    this.port = 0;
    this.server = undefined;
    this.browser = undefined;
    this.log = [];
  }

  args() {
    return [
      '--config',
      this.config,
      '--user-data-dir',
      join(this.temp, 'ud'),
      '--extensions-dir',
      join(this.temp, 'exts'),
    ];
  }

  env() {
    return {
      ...process.env,
      XDG_CONFIG_HOME: join(this.temp, 'xdg-config'),
      XDG_DATA_HOME: join(this.temp, 'xdg-data'),
      TMPDIR: this.temp,
      GLM_INFILL_TEST_LOAD_GATE: this.loadGate(),
    };
  }

  /** While this file exists (a named pipe), each model load waits until the test writes to it (src/editor/loadGate.ts). */
  loadGate() {
    return join(this.temp, 'load-gate');
  }

  installVsix(file) {
    execFileSync(codeServer, [...this.args(), '--install-extension', file], {
      env: this.env(),
      stdio: 'inherit',
      timeout: 120_000,
    });
  }

  /** The folder the VSIX was installed to. */
  installedExtension() {
    const folder = readdirSync(join(this.temp, 'exts')).find((name) => name.startsWith('glm-infill.glm-infill-'));
    if (!folder) throw new Error(`The VSIX did not install into ${join(this.temp, 'exts')}`);
    return join(this.temp, 'exts', folder);
  }

  start() {
    const args = [
      ...this.args(),
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    // detached = its own process group (setsid), so one kill reaches the extension hosts it starts.
    this.server = spawn(codeServer, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: this.env() });
    const keep = (chunk) => {
      this.log.push(...String(chunk).split('\n').filter(Boolean));
      if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
    };
    this.server.stdout.on('data', keep);
    this.server.stderr.on('data', keep);
  }

  async waitForHealth() {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.server.exitCode !== null)
        throw new Error(
          `code-server exited with ${this.server.exitCode} before it was ready:\n${this.log.slice(-30).join('\n')}`,
        );
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('code-server did not answer /healthz within 60 s');
  }

  /** vscode-remote URI of a path on the server. */
  remote(path) {
    return `vscode-remote://127.0.0.1:${this.port}${path}`;
  }

  /** The workbench URL for the workspace folder, with an optional development/test payload. */
  url(payload) {
    const query = `folder=${encodeURIComponent(this.workspace)}`;
    return `http://127.0.0.1:${this.port}/?${query}${payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  }

  /** Debian's chromium with a fresh profile in the temp directory; closed by stop(). */
  async launchBrowser(viewport = { width: 1400, height: 900 }) {
    const require = createRequire(join(tools, 'package.json'));
    const { chromium } = require('playwright-core');
    this.browser = await chromium.launchPersistentContext(join(this.temp, 'chromium'), {
      executablePath: chromiumPath,
      headless: true,
      viewport,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    return this.browser;
  }

  /** Closes the browser, kills code-server's process group, removes the temp directory. Safe to call twice. */
  async stop() {
    active.delete(this);
    const browser = this.browser;
    this.browser = undefined;
    if (browser) {
      await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (this.server?.pid) {
      try {
        process.kill(-this.server.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      this.server = undefined;
    }
    removeChromiumLeftovers();
    rmSync(this.temp, { recursive: true, force: true, maxRetries: 3 });
  }
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

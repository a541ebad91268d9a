import { readFile } from 'node:fs/promises';

/**
 * A hook for the UI test only: model files that never end are refused now (a named pipe glm.json used to hold a
 * load open), so the test that cancels a fill during a load holds it here instead. When GLM_INFILL_TEST_LOAD_GATE
 * names a file that exists (the test makes it a named pipe), a load first reads it to its end; otherwise nothing
 * happens, and users never set the variable. An environment variable because the UI test drives an installed
 * VSIX through code-server's UI, where nothing can be injected; extension.ts hands it to the ModelManager as its
 * `beforeLoad`, so the manager itself carries no hook.
 */
export async function passLoadGate(gate = process.env.GLM_INFILL_TEST_LOAD_GATE): Promise<void> {
  if (!gate) return;
  await readFile(gate).catch(() => undefined);
}

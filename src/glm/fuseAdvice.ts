import { join } from 'node:path';
import type { GlmModel } from './model.js';

/**
 * A model whose graph predates fused attention (models/glm/fuse.py: exported or converted before 2026-12-02) still
 * fills, but decodes about 2x slower than the same weights fused; this says how to rewrite it, or nothing when there
 * is nothing to gain.
 */
export function fuseAdvice(model: GlmModel): string | undefined {
  if (model.engine.cacheLayout !== 'concatenated') return undefined;
  const file = join(model.folder, model.manifest.model);
  return (
    `${model.manifest.name} has a graph from before fused attention; "python3 -m models.glm.fuse ${file}" (from the ` +
    'GLM Infill repository) rewrites it in place with the same weights, and it then decodes about 2x faster.'
  );
}

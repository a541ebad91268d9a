// The soak's leak figure from every reading rather than two tenths of them.

/**
 * The least-squares line through `xs` (readings at equal steps): its rise over the whole run in percent
 * of where it starts, with the standard error of that figure. Unlike two tenths, it uses every reading, so one
 * block's swing of the arena (±10 MiB here) moves it less.
 */
export function trendPercent(xs: readonly number[]): { percent: number; standardError: number } {
  const n = xs.length;
  const mx = (n - 1) / 2;
  const my = xs.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [i, y] of xs.entries()) {
    sxx += (i - mx) ** 2;
    sxy += (i - mx) * (y - my);
  }
  const slope = sxy / sxx;
  const start = my - slope * mx;
  const residual = xs.reduce((a, y, i) => a + (y - (start + slope * i)) ** 2, 0) / Math.max(1, n - 2);
  const round = (v: number): number => Math.round(v * 10) / 10;
  const span = ((n - 1) / start) * 100;
  return { percent: round(slope * span), standardError: round(Math.sqrt(residual / sxx) * span) };
}

/**
 * A pause of inline suggestions: for some minutes, or until the user turns them back on. It lives for the window
 * session only (a pause is a moment's decision; a lasting "off" is the glmInfill.inline.enabled setting).
 */
export class InlinePause {
  /** When the pause ends (ms since the epoch), Infinity until resumed; undefined when never paused or resumed. */
  private end: number | undefined;

  /** `now` is the clock (ms since the epoch), injected so the timing is testable. */
  constructor(private readonly now: () => number = Date.now) {}

  pauseFor(minutes: number): void {
    this.end = this.now() + minutes * 60_000;
  }

  pauseUntilResumed(): void {
    this.end = Infinity;
  }

  resume(): void {
    this.end = undefined;
  }

  get paused(): boolean {
    return this.remainingMs > 0;
  }

  /** Milliseconds left: 0 when not paused, Infinity when paused until resumed. */
  get remainingMs(): number {
    if (this.end === undefined) return 0;
    const left = this.end - this.now();
    if (left <= 0) this.end = undefined; // expired: forget it, so a later clock jump back cannot revive it
    return Math.max(0, left);
  }

  /** When the pause ends, as a Date; undefined when not paused or paused until resumed. */
  get endsAt(): Date | undefined {
    const left = this.remainingMs;
    return left > 0 && Number.isFinite(left) ? new Date(this.now() + left) : undefined;
  }
}

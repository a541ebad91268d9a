/** Why the last inline request showed nothing (or that it showed something), for "Why no suggestion?". */
export interface InlineOutcome {
  at: Date;
  shown: boolean;
  reason: string;
  /** What the user can do about it, when anything. */
  remedy?: string;
}

/** Keeps the last inline outcome only: the command explains the latest request, and nothing grows. */
export class InlineJournal {
  private last: InlineOutcome | undefined;

  /** `now` is the clock that stamps each outcome. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  record(shown: boolean, reason: string, remedy?: string): void {
    this.last = { at: this.now(), shown, reason, ...(remedy ? { remedy } : {}) };
  }

  get lastOutcome(): InlineOutcome | undefined {
    return this.last;
  }
}

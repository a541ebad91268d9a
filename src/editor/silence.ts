/** Why the last inline request showed nothing (or that it showed something), for "Why no suggestion?". */
export interface InlineOutcome {
  at: Date;
  shown: boolean;
  reason: string;
  /** What the user can do about it, when anything. */
  remedy?: string;
}

export class InlineJournal {
  private last: InlineOutcome | undefined;

  record(shown: boolean, reason: string, remedy?: string): void {
    this.last = { at: new Date(), shown, reason, ...(remedy ? { remedy } : {}) };
  }

  get lastOutcome(): InlineOutcome | undefined {
    return this.last;
  }
}

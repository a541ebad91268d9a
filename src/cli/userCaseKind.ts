import { type BlankKind, autoKind } from '../glm/index.js';

/** A user-shaped case as the eval and the tuner read it (models/glm/user_cases.py). */
export interface UserCaseBlank {
  bucket: string;
  shape?: string;
  text: string;
}

/**
 * The kind the extension's auto rule gives a case's blank. Markdown and prose are prose; a cursor case's answer is
 * the rest of its line, which the user has not written yet, so the editor sees an empty selection there.
 */
export function userCaseKind(c: UserCaseBlank, start: number, end: number): BlankKind {
  const prose = c.bucket === 'markdown' || c.bucket === 'prose';
  return autoKind(c.text, start, c.shape === 'cursor' ? start : end, prose ? 'prose' : 'code');
}

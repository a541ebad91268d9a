import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InlinePause } from '../../src/fill/inlinePause.js';
import {
  type InlineSwitches,
  inlineRefusal,
  inlineState,
  pauseText,
  withLanguage,
} from '../../src/fill/inlineSwitches.js';

/** A pause on a clock the test moves by hand. */
function pausedClock(): { pause: InlinePause; advance(ms: number): void } {
  let now = Date.UTC(2026, 0, 1, 12, 0);
  return { pause: new InlinePause(() => now), advance: (ms) => (now += ms) };
}

function switches(over: Partial<InlineSwitches> = {}): InlineSwitches {
  return {
    enabled: true,
    trigger: 'automatic',
    languageOn: true,
    languageId: 'markdown',
    pause: new InlinePause(),
    ...over,
  };
}

test('a timed pause lasts its minutes to the millisecond, then ends by itself', () => {
  const { pause, advance } = pausedClock();
  assert.equal(pause.paused, false);
  assert.equal(pause.remainingMs, 0);
  pause.pauseFor(5);
  assert.equal(pause.remainingMs, 5 * 60_000);
  assert.equal(pause.endsAt?.toISOString(), '2026-01-01T12:05:00.000Z');
  advance(5 * 60_000 - 1);
  assert.equal(pause.paused, true);
  advance(1);
  assert.equal(pause.paused, false);
  assert.equal(pause.endsAt, undefined);
  advance(-60_000); // the clock stepping back does not revive an ended pause
  assert.equal(pause.paused, false);
});

test('a later pause replaces the earlier one; resume ends any pause', () => {
  const { pause, advance } = pausedClock();
  pause.pauseFor(60);
  pause.pauseFor(5);
  advance(6 * 60_000);
  assert.equal(pause.paused, false, 'the 5-minute pause replaced the hour');
  pause.pauseUntilResumed();
  advance(1e12);
  assert.equal(pause.paused, true);
  assert.equal(pause.remainingMs, Infinity);
  assert.equal(pause.endsAt, undefined);
  pause.resume();
  assert.equal(pause.paused, false);
});

test('the pause is described by its end, or as lasting until turned on', () => {
  const { pause } = pausedClock();
  pause.pauseFor(15);
  assert.equal(
    pauseText(pause, (at) => at.toISOString().slice(11, 16)),
    'until 12:15',
  );
  pause.pauseUntilResumed();
  assert.equal(pauseText(pause), 'until turned on');
});

test('the state: off wins over the language, the language over a pause, a pause over the trigger', () => {
  const paused = new InlinePause();
  paused.pauseUntilResumed();
  assert.equal(inlineState(switches()), 'on');
  assert.equal(inlineState(switches({ trigger: 'manual' })), 'manual');
  assert.equal(inlineState(switches({ trigger: 'manual', pause: paused })), 'paused');
  assert.equal(inlineState(switches({ languageOn: false, pause: paused })), 'off for language');
  assert.equal(inlineState(switches({ enabled: false, languageOn: false, pause: paused })), 'off');
});

test('a request asked for explicitly passes a pause and the manual trigger, not "off"', () => {
  const paused = new InlinePause();
  paused.pauseUntilResumed();
  assert.equal(inlineRefusal(switches(), false), undefined);
  assert.match(inlineRefusal(switches({ pause: paused }), false)?.reason ?? '', /paused until turned on/);
  assert.equal(inlineRefusal(switches({ pause: paused }), true), undefined);
  assert.match(inlineRefusal(switches({ trigger: 'manual' }), false)?.reason ?? '', /trigger is manual/);
  assert.equal(inlineRefusal(switches({ trigger: 'manual' }), true), undefined);
  assert.match(inlineRefusal(switches({ languageOn: false }), true)?.reason ?? '', /off for markdown files/);
  assert.match(inlineRefusal(switches({ enabled: false }), true)?.reason ?? '', /^inline suggestions are off$/);
});

test('switching a language writes its own entry, which wins over "*", and leaves the rest', () => {
  const languages = { '*': false, markdown: true };
  assert.deepEqual(withLanguage(languages, 'python', true), { '*': false, markdown: true, python: true });
  assert.deepEqual(withLanguage(languages, 'markdown', false), { '*': false, markdown: false });
  assert.deepEqual(languages, { '*': false, markdown: true }, 'the given map is not changed');
});

import { describe, expect, it } from 'vitest';
import { PushToTalk } from './push-to-talk.ts';

function setup() {
  const changes: boolean[] = [];
  return { ptt: new PushToTalk((on) => changes.push(on)), changes };
}

describe('PushToTalk', () => {
  it('talks while the pointer is held', () => {
    const { ptt, changes } = setup();
    ptt.pointerDown();
    expect(ptt.on).toBe(true);
    ptt.pointerUp();
    ptt.pointerUp();
    expect(changes).toEqual([true, false]);
  });

  it('talks while the key is held, ignoring auto-repeat', () => {
    const { ptt, changes } = setup();
    ptt.keyDown(false);
    ptt.keyDown(true);
    ptt.keyDown(true);
    ptt.keyUp();
    expect(changes).toEqual([true, false]);
  });

  it('keeps talking while either input is still held', () => {
    const { ptt, changes } = setup();
    ptt.pointerDown();
    ptt.keyDown(false);
    ptt.pointerUp();
    expect(ptt.on).toBe(true);
    ptt.keyUp();
    expect(changes).toEqual([true, false]);
  });

  it('stops a held talk when the window loses focus', () => {
    const { ptt, changes } = setup();
    ptt.keyDown(false);
    ptt.blur();
    expect(changes).toEqual([true, false]);
  });

  it('toggles on click in toggle mode, and releases do not stop it', () => {
    const { ptt, changes } = setup();
    ptt.setToggleMode(true);
    ptt.pointerDown();
    ptt.pointerUp();
    ptt.blur();
    expect(ptt.on).toBe(true);
    ptt.keyDown(false);
    ptt.keyDown(true);
    expect(changes).toEqual([true, false]);
    ptt.pointerDown();
    ptt.setToggleMode(false);
    expect(changes).toEqual([true, false, true, false]);
  });
});

import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './events.ts';
import { takeListenerErrors } from './testing/unit-setup.ts';

class Ticker extends TypedEmitter<{ tick: (n: number) => void }> {
  tick(n: number): void {
    this.emit('tick', n);
  }
}

describe('TypedEmitter', () => {
  it('a throwing listener does not stop the others, and its error reaches the test (the unit setup fails it)', () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    ticker.on('tick', () => {
      throw new Error('assertion in a listener');
    });
    ticker.on('tick', (n) => seen.push(n));
    ticker.tick(1);
    expect(seen).toEqual([1]);
    // Taken here on purpose; left alone, the setup's afterEach would fail this test with it.
    const errors = takeListenerErrors();
    expect(errors.map((e) => [e.event, (e.error as Error).message])).toEqual([['tick', 'assertion in a listener']]);
  });

  it('unsubscribes', () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    const off = ticker.on('tick', (n) => seen.push(n));
    ticker.tick(1);
    off();
    ticker.tick(2);
    expect(seen).toEqual([1]);
  });
});

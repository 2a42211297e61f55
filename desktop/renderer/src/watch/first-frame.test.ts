import { describe, expect, it } from 'vitest';
import { onFirstFrame, type FrameSurface } from './first-frame.ts';

type Listener = () => void;

/** A video element as far as the first-frame watch sees it; the test plays the browser. */
class FakeVideo implements FrameSurface {
  videoWidth = 0;
  readyState = 0;
  readonly listeners = new Map<string, Set<Listener>>();
  readonly frameCallbacks = new Map<number, Listener>();
  #next = 1;

  constructor(withFrameCallback: boolean) {
    if (!withFrameCallback) {
      this.requestVideoFrameCallback = undefined;
      this.cancelVideoFrameCallback = undefined;
    }
  }

  requestVideoFrameCallback?: (callback: Listener) => number = (callback) => {
    const handle = this.#next++;
    this.frameCallbacks.set(handle, callback);
    return handle;
  };

  cancelVideoFrameCallback?: (handle: number) => void = (handle) => {
    this.frameCallbacks.delete(handle);
  };

  addEventListener(type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  /** The browser presents a frame of `width` pixels (and fires what it fires with it). */
  present(width = 640): void {
    this.videoWidth = width;
    this.readyState = 4;
    for (const callback of [...this.frameCallbacks.values()]) callback();
    this.frameCallbacks.clear();
    this.fire('loadeddata');
    this.fire('playing');
  }

  fire(type: string): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }

  get watching(): number {
    return this.frameCallbacks.size + [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

describe('onFirstFrame', () => {
  it('with requestVideoFrameCallback: once, when the first frame is presented', () => {
    const video = new FakeVideo(true);
    let shown = 0;
    onFirstFrame(video, () => shown++);
    // Playback starting says nothing yet: the frame callback decides.
    video.fire('playing');
    expect(shown).toBe(0);
    video.present();
    video.present();
    expect(shown).toBe(1);
    expect(video.watching).toBe(0);
  });

  it('without it: on playing or loaded data, but only with a picture size', () => {
    const video = new FakeVideo(false);
    let shown = 0;
    onFirstFrame(video, () => shown++);
    // An audio-only start, or playback before any frame: no picture yet.
    video.fire('playing');
    video.fire('loadeddata');
    expect(shown).toBe(0);
    video.present(320);
    video.present(320);
    expect(shown).toBe(1);
    expect(video.watching).toBe(0);
  });

  it('without it: a picture already there counts at once', () => {
    const video = new FakeVideo(false);
    video.videoWidth = 1280;
    video.readyState = 4;
    let shown = 0;
    onFirstFrame(video, () => shown++);
    expect(shown).toBe(1);
    expect(video.watching).toBe(0);
  });

  it('cancelled (the stream changed, the view closed): never calls back, and lets go of the element', () => {
    for (const withFrameCallback of [true, false]) {
      const video = new FakeVideo(withFrameCallback);
      let shown = 0;
      const cancel = onFirstFrame(video, () => shown++);
      cancel();
      video.present();
      expect(shown).toBe(0);
      expect(video.watching).toBe(0);
    }
  });
});

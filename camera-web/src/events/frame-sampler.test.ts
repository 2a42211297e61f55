import { describe, expect, it } from 'vitest';
import { FrameSampler, rgbaToLuma, sampleSize, type CanvasLike } from './frame-sampler.ts';
import { FakeTimers } from '../../../protocol/testing/timers.ts';

/** A canvas whose drawImage paints the video's current colour. */
class FakeCanvas implements CanvasLike {
  pixel = [0, 0, 0];
  constructor(
    public width: number,
    public height: number,
    readonly video: { colour: number[] },
  ) {}
  getContext(): unknown {
    return {
      drawImage: () => {
        this.pixel = this.video.colour;
      },
      getImageData: (_x: number, _y: number, w: number, h: number) => {
        const data = new Uint8ClampedArray(w * h * 4);
        for (let i = 0; i < w * h; i++) data.set([...this.pixel, 255], i * 4);
        return { data };
      },
    };
  }
}

function setup(video = { videoWidth: 1280, videoHeight: 720, readyState: 4, colour: [255, 255, 255] }) {
  const timers = new FakeTimers(0);
  const frames: { mean: number; width: number; height: number; at: number }[] = [];
  const sampler = new FrameSampler({
    video,
    timers,
    intervalMs: 250,
    createCanvas: (w, h) => new FakeCanvas(w, h, video),
    encodeJpeg: async (canvas) => new Uint8Array([canvas.width, canvas.height]),
    onFrame: (luma, width, height, at) => frames.push({ mean: luma.reduce((a, b) => a + b, 0) / luma.length, width, height, at }),
  });
  return { timers, frames, sampler, video };
}

describe('FrameSampler', () => {
  it('samples 4 greyscale frames a second at the video aspect ratio, until stopped', () => {
    const { timers, frames, sampler, video } = setup();
    sampler.start();
    sampler.start();
    timers.advance(1000);
    expect(frames.map((f) => f.at)).toEqual([250, 500, 750, 1000]);
    expect(frames[0]).toMatchObject({ width: 160, height: 90, mean: 255 });
    video.colour = [0, 255, 0];
    timers.advance(250);
    expect(frames.at(-1)!.mean).toBe(149);
    sampler.stop();
    timers.advance(5000);
    expect(frames).toHaveLength(5);
    expect(timers.pending.size).toBe(0);
  });

  it('skips ticks while the video has no frame, and keeps going', () => {
    const { timers, frames, sampler, video } = setup({ videoWidth: 0, videoHeight: 0, readyState: 0, colour: [1, 2, 3] });
    sampler.start();
    timers.advance(1000);
    expect(frames).toEqual([]);
    Object.assign(video, { videoWidth: 640, videoHeight: 480, readyState: 2 });
    timers.advance(250);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ width: 160, height: 120 });
  });

  it('takes a thumbnail only when there is a picture', async () => {
    const { sampler, video } = setup();
    expect(await sampler.thumbnail()).toEqual(new Uint8Array([160, 90]));
    video.readyState = 0;
    expect(await sampler.thumbnail()).toBeNull();
  });
});

describe('helpers', () => {
  it('converts RGBA to luma with BT.601 weights', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 128, 128, 128, 255]);
    expect([...rgbaToLuma(rgba, new Uint8ClampedArray(4))]).toEqual([76, 149, 28, 128]);
  });

  it('keeps the aspect ratio inside the bounds and never upscales', () => {
    expect(sampleSize(1920, 1080, 160, 120)).toEqual({ width: 160, height: 90 });
    expect(sampleSize(480, 640, 160, 120)).toEqual({ width: 90, height: 120 });
    expect(sampleSize(64, 48, 160, 120)).toEqual({ width: 64, height: 48 });
  });
});

/**
 * Sanity check of the motion detector on real encoded video rather than synthetic arrays: ffmpeg makes tiny Y4M
 * clips (sensor noise, a moving box, a lights-off step) in a temp folder, and their luma planes are fed in.
 */
// Test-only: the fixtures are made with ffmpeg in Node; the page code itself never imports node:.
// eslint-disable-next-line no-restricted-imports
import { execFileSync } from 'node:child_process';
// eslint-disable-next-line no-restricted-imports
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { tmpdir } from 'node:os';
// eslint-disable-next-line no-restricted-imports
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MotionDetector, type MotionStart } from './motion-detector.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pawcam-y4m-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Render a lavfi graph to Y4M (160×120, 5 fps, yuv420p) and return its luma planes. */
function lumaFrames(name: string, graph: string): Uint8Array[] {
  const file = join(dir, `${name}.y4m`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', file], { timeout: 20_000 });
  const data = readFileSync(file);
  const headerEnd = data.indexOf(0x0a);
  const header = data.subarray(0, headerEnd).toString('latin1');
  const width = Number(/ W(\d+)/.exec(header)![1]);
  const height = Number(/ H(\d+)/.exec(header)![1]);
  const frameBytes = (width * height * 3) / 2;
  const frames: Uint8Array[] = [];
  let offset = headerEnd + 1;
  while (offset < data.length) {
    const lineEnd = data.indexOf(0x0a, offset);
    if (data.subarray(offset, offset + 5).toString('latin1') !== 'FRAME') throw new Error('not a Y4M frame');
    frames.push(data.subarray(lineEnd + 1, lineEnd + 1 + width * height));
    offset = lineEnd + 1 + frameBytes;
  }
  return frames;
}

function detect(frames: Uint8Array[]): MotionStart[] {
  const d = new MotionDetector({ width: 160, height: 120, sensitivity: 60, minDurationMs: 500, cooldownMs: 60_000, zones: null });
  const starts: MotionStart[] = [];
  d.on('start', (s) => starts.push(s));
  frames.forEach((f, i) => d.push(f, i * 200));
  return starts;
}

describe('MotionDetector on ffmpeg-made video', () => {
  it('a still noisy scene with a box crossing from 5 s fires once, within 2 s of its entry', () => {
    const frames = lumaFrames('moving', "color=c=0x606060:s=160x120:r=5:d=12[bg];color=c=white:s=24x24:r=5:d=12[box];[bg][box]overlay=x='(t-5)*30':y=50:enable='gte(t,5)',noise=alls=10:allf=t");
    expect(frames).toHaveLength(60);
    const starts = detect(frames);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.at).toBeGreaterThanOrEqual(5000);
    expect(starts[0]!.at).toBeLessThanOrEqual(7000);
  });

  it('lights going off and on over a static scene fire nothing', () => {
    const frames = lumaFrames('lights', "smptebars=s=160x120:r=5:d=12,eq=brightness='if(between(t,4,8),-0.35,0)':eval=frame,noise=alls=8:allf=t");
    expect(detect(frames)).toEqual([]);
  });
});

/** Known pictures and sounds for the fake camera and microphone, written by the test (no ffmpeg needed). */
import { writeFile } from 'node:fs/promises';

/** RGB → full-range BT.601 Y'CbCr (what `C420jpeg` y4m means). */
export function rgbToYuv([r, g, b]: [number, number, number]): [number, number, number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const u = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  return [clamp(y), clamp(u), clamp(v)];
}

/** A y4m video of one solid colour, `frames` frames long (Chromium loops it). */
export async function writeSolidY4m(path: string, width: number, height: number, rgb: [number, number, number], frames = 30, fps = 30): Promise<void> {
  const [y, u, v] = rgbToYuv(rgb);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const lumaSize = width * height;
  const chromaSize = (width / 2) * (height / 2);
  const frame = Buffer.alloc(6 + lumaSize + 2 * chromaSize);
  frame.write('FRAME\n', 0);
  frame.fill(y, 6, 6 + lumaSize);
  frame.fill(u, 6 + lumaSize, 6 + lumaSize + chromaSize);
  frame.fill(v, 6 + lumaSize + chromaSize);
  await writeFile(path, Buffer.concat([header, ...Array(frames).fill(frame)]));
}

/** A mono 16-bit PCM wav of a sine tone. */
export async function writeToneWav(path: string, frequency: number, seconds = 2, sampleRate = 48_000, amplitude = 0.5): Promise<void> {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * amplitude * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  await writeFile(path, Buffer.concat([header, data]));
}

/** A y4m video that shows each colour for `framesEach` frames in turn (Chromium loops it: the picture keeps changing). */
export async function writeColourSequenceY4m(
  path: string,
  width: number,
  height: number,
  colours: [number, number, number][],
  framesEach: number,
  fps: number,
): Promise<void> {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const lumaSize = width * height;
  const chromaSize = (width / 2) * (height / 2);
  const frames = colours.map((rgb) => {
    const [y, u, v] = rgbToYuv(rgb);
    const frame = Buffer.alloc(6 + lumaSize + 2 * chromaSize);
    frame.write('FRAME\n', 0);
    frame.fill(y, 6, 6 + lumaSize);
    frame.fill(u, 6 + lumaSize, 6 + lumaSize + chromaSize);
    frame.fill(v, 6 + lumaSize + chromaSize);
    return Array<Buffer>(framesEach).fill(frame);
  });
  await writeFile(path, Buffer.concat([header, ...frames.flat()]));
}

/** Synthetic test data for the event detectors: greyscale scenes with sensor noise, and audio with bursts. */

/** A small deterministic PRNG (mulberry32), so a failing test fails the same way every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Roughly normal noise (sum of uniforms). */
export function gaussian(random: () => number): number {
  return random() + random() + random() + random() - 2;
}

/** What a synthetic frame shows. */
export interface SceneOptions {
  width: number;
  height: number;
  /** Multiplies the whole scene's brightness (lights, exposure). */
  gain?: number;
  /** Added to every pixel. */
  offset?: number;
  /** Sensor noise standard deviation, grey levels. */
  noise?: number;
  /** A bright square at (x, y). */
  blob?: { x: number; y: number; size: number; level: number };
  /** Invert contrast (a crude IR switch). */
  invert?: boolean;
}

const NOISE_TABLE = (() => {
  const random = seededRandom(12345);
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = gaussian(random);
  return table;
})();

/** A static textured scene (a room: gradients and a few shapes), with the given changes applied. */
export function sceneFrame(options: SceneOptions, random: () => number): Uint8ClampedArray {
  const { width, height } = options;
  const out = new Uint8ClampedArray(width * height);
  const gain = options.gain ?? 1;
  const noise = options.noise ?? 0;
  // Per-pixel noise from a precomputed table at a random phase: fast enough for minutes of frames per test.
  let k = Math.floor(random() * NOISE_TABLE.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 60 + (80 * x) / width + (30 * y) / height;
      if (x > width * 0.6 && y > height * 0.5) v += 40; // a sofa
      if ((x >> 3) % 2 === (y >> 3) % 2 && y < height * 0.3) v += 15; // a patterned curtain
      const b = options.blob;
      if (b && x >= b.x && x < b.x + b.size && y >= b.y && y < b.y + b.size) v = b.level;
      v = v * gain + (options.offset ?? 0);
      if (options.invert) v = 255 - v;
      k = (k + 7919) & 0xffff;
      out[y * width + x] = v + noise * NOISE_TABLE[k]!;
    }
  }
  return out;
}

/** Mono audio at `sampleRate`: background noise at `noiseDbfs` plus tone bursts at `burstDbfs`. */
export function audioWithBursts(options: {
  sampleRate: number;
  durationMs: number;
  noiseDbfs: number;
  bursts: { startMs: number; lengthMs: number; dbfs: number }[];
  seed?: number;
}): Float32Array {
  const random = seededRandom(options.seed ?? 1);
  const n = Math.round((options.sampleRate * options.durationMs) / 1000);
  const out = new Float32Array(n);
  // Uniform noise in [-a, a] has RMS a/√3.
  const noiseAmp = Math.sqrt(3) * 10 ** (options.noiseDbfs / 20);
  for (let i = 0; i < n; i++) out[i] = noiseAmp * (2 * random() - 1);
  for (const burst of options.bursts) {
    // A sine's RMS is amplitude/√2.
    const amp = Math.SQRT2 * 10 ** (burst.dbfs / 20);
    const from = Math.round((burst.startMs * options.sampleRate) / 1000);
    const to = Math.min(n, Math.round(((burst.startMs + burst.lengthMs) * options.sampleRate) / 1000));
    for (let i = from; i < to; i++) out[i] = out[i]! + amp * Math.sin((2 * Math.PI * 700 * i) / options.sampleRate);
  }
  return out;
}

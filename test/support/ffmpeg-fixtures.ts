/**
 * Scenes and sounds for the fake camera and microphone, made by ffmpeg in the test (Chromium loops them), and
 * ffprobe/ffmpeg readers for the clips a camera recorded. The scene is a small room (wall, sofa, window, floor) at
 * 320×180, 10 fps, with temporal sensor noise; the "pet" is a near-black box, darker than anything in the room, so a
 * frame shows it or not by its dark pixels (`PET_LUMA_MAX`).
 */
import { execFile } from 'node:child_process';

/** Size and rate of every scene. */
export const SCENE = { width: 320, height: 180, fps: 10 } as const;

/** A pixel (at the reduced size below) this dark is the pet: the room's darkest part, the sofa, is ~77 ± noise. */
export const PET_LUMA_MAX = 45;

/** Frames are reduced to this size (area average) before pet pixels are counted. */
export const PRESENCE_SIZE = { width: 80, height: 45 } as const;

/** At least this many pet pixels at the reduced size (the pet covers ~90 of them) mean the pet is in the picture. */
export const PET_MIN_PIXELS = 3;

/** How long the pet takes to cross the picture. */
export const CROSSING_SECONDS = 3;

/** Run a tool; resolves to its stdout. Bounded in time and output. */
function run(command: string, args: string[], timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr.toString().slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

const ffmpeg = (args: string[]): Promise<Buffer> => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

/** The room, `seconds` long (a lavfi source ending in [room]). */
function room(seconds: number): string {
  const { width, height, fps } = SCENE;
  return (
    `color=c=0x8c8070:s=${width}x${height}:r=${fps}:d=${seconds},` +
    'drawbox=x=20:y=96:w=90:h=54:color=0x5a4a3a:t=fill,' + // sofa
    'drawbox=x=210:y=30:w=70:h=48:color=0xd0c8b8:t=fill,' + // window
    'drawbox=x=0:y=150:w=320:h=30:color=0x6b6b60:t=fill[room]' // floor
  );
}

/** Sensor noise: every pixel, every frame (uniform, ±16 grey levels), as a cheap phone camera indoors. */
const SENSOR_NOISE = 'noise=alls=16:allf=t+u';

async function writeY4m(path: string, graph: string): Promise<void> {
  await ffmpeg(['-f', 'lavfi', '-i', graph, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', path]);
}

/** The still room with sensor noise (a short loop: the noise never repeats visibly). */
export async function writeStillRoomY4m(path: string, seconds = 4): Promise<void> {
  await writeY4m(path, `${room(seconds)};[room]${SENSOR_NOISE}`);
}

/**
 * The still room while the light changes, a 10 s loop: 3 s as it is, dimmed to 45 % over 2 s (a dimmer, a cloud),
 * 3 s dim, then back to full at once (a lamp switched on), 2 s as it is. The light scales the scene; the sensor
 * noise stays.
 */
export async function writeLightsY4m(path: string): Promise<void> {
  const light = 'if(lt(T,3),1,if(lt(T,5),1-0.275*(T-3),if(lt(T,8),0.45,1)))';
  const dim = `geq=lum='lum(X,Y)*${light}':cb='128+(cb(X,Y)-128)*${light}':cr='128+(cr(X,Y)-128)*${light}'`;
  await writeY4m(path, `${room(10)};[room]${dim},${SENSOR_NOISE}`);
}

/** When the pet starts crossing (s into the file) and which way. */
export interface Crossing {
  at: number;
  leftToRight: boolean;
}

/** The still room with sensor noise, `seconds` long, and a pet crossing it at the given times (3 s each). */
export async function writePetCrossingY4m(path: string, crossings: readonly Crossing[], seconds: number): Promise<void> {
  const pet = { width: 44, height: 34, y: 104 };
  const speed = (SCENE.width + pet.width) / CROSSING_SECONDS;
  // Off the picture when not crossing.
  let x = `-${pet.width * 4}`;
  for (const c of [...crossings].reverse()) {
    const along = c.leftToRight ? `-${pet.width}+(t-${c.at})*${speed.toFixed(3)}` : `${SCENE.width}-(t-${c.at})*${speed.toFixed(3)}`;
    x = `if(between(t,${c.at},${c.at + CROSSING_SECONDS}),${along},${x})`;
  }
  const graph = `${room(seconds)};color=c=0x141414:s=${pet.width}x${pet.height}:r=${SCENE.fps}:d=${seconds}[pet];[room][pet]overlay=x='${x}':y=${pet.y}:eval=frame,${SENSOR_NOISE}`;
  await writeY4m(path, graph);
}

/**
 * The room's microphone: quiet (noise around −45 dBFS), and with `barks` > 0, every `cycleSeconds` a run of that
 * many short loud sounds (0.25 s of a 450 Hz tone with harmonics at about −8 dBFS, 0.35 s apart) starting 3 s into
 * the cycle. Mono 16-bit 48 kHz wav. (Without a file Chromium's fake microphone beeps, which is sound to detect.)
 */
export async function writeRoomWav(path: string, { barks = 0, cycleSeconds = 8 } = {}): Promise<void> {
  const noise = '0.01*(2*random(0)-1)';
  let expr = noise;
  if (barks > 0) {
    const burst = `between(mod(t,${cycleSeconds}),3,${3 + barks * 0.6})*lt(mod(mod(t,${cycleSeconds})-3,0.6),0.25)`;
    const tone = '(0.35*sin(2*PI*450*t)+0.2*sin(2*PI*900*t)+0.1*sin(2*PI*1350*t))';
    expr = `${noise}+${burst}*${tone}`;
  }
  await ffmpeg(['-f', 'lavfi', '-i', `aevalsrc=exprs='${expr}':s=48000:d=${cycleSeconds}`, '-ac', '1', '-ar', '48000', '-c:a', 'pcm_s16le', path]);
}

/** What ffprobe reads from a recorded clip. */
export interface ClipProbe {
  /** ffprobe's container name, e.g. `matroska,webm`. */
  container: string;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Each video frame's time (s, from the file's first frame), in order. */
  frameTimes: number[];
}

/** Read a clip with ffprobe (fails when ffprobe cannot read it). */
export async function probeClip(path: string): Promise<ClipProbe> {
  const out = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_type,codec_name', '-of', 'json', path]);
  const info = JSON.parse(out.toString()) as { format?: { format_name?: string }; streams?: { codec_type?: string; codec_name?: string }[] };
  const frames = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', path]);
  const times = frames
    .toString()
    .split('\n')
    .map((line) => Number.parseFloat(line))
    .filter((t) => Number.isFinite(t));
  const first = times[0] ?? 0;
  return {
    container: info.format?.format_name ?? '',
    videoCodec: info.streams?.find((s) => s.codec_type === 'video')?.codec_name ?? null,
    audioCodec: info.streams?.find((s) => s.codec_type === 'audio')?.codec_name ?? null,
    frameTimes: times.map((t) => t - first),
  };
}

/** Pet pixels in each video frame of a file, in frame order (every frame decoded, none dropped or repeated). */
export async function petPixelsPerFrame(path: string): Promise<number[]> {
  const { width, height } = PRESENCE_SIZE;
  const raw = await ffmpeg(['-i', path, '-map', '0:v:0', '-fps_mode', 'passthrough', '-vf', `scale=${width}:${height}:flags=area,format=gray`, '-f', 'rawvideo', '-']);
  const size = width * height;
  const counts: number[] = [];
  for (let offset = 0; offset + size <= raw.length; offset += size) {
    let n = 0;
    for (let i = offset; i < offset + size; i++) if (raw[i]! <= PET_LUMA_MAX) n++;
    counts.push(n);
  }
  return counts;
}

/**
 * What the bench puts into the pages it drives, as an init script, so the product carries no bench code:
 * - a timecode canvas in place of the camera (`navigator.mediaDevices.getUserMedia` returns its captureStream, plus a
 *   quiet oscillator as the microphone, so the product's audio path is the normal one);
 * - time to first frame, timed in the page: from a click on the configured Watch button to the first decoded frame
 *   (getStats framesDecoded, polled every ~16 ms) and the first frame shown (requestVideoFrameCallback);
 * - the glass-to-glass reader: decodes the timecode from every frame the page shows.
 */
import { timecodeCodec, type TimecodeCodec } from './timecode.ts';

/** The timecode source's picture. */
export interface SourceFormat {
  width: number;
  height: number;
  fps: number;
}

/** How a page is probed. */
export interface ProbeConfig {
  /** Replace the camera with the timecode canvas in this format (null: leave getUserMedia alone). */
  source: SourceFormat | null;
  /** A click on an element matching this selector starts the time-to-first-frame clock. */
  startOn: string | null;
  /**
   * The page reads as hidden (document.visibilityState) until the first pointer press. pawcam's viewer opens on its
   * only camera by itself when it loads visible; the bench times a Watch click, as for the baseline, so it must not.
   */
  hiddenUntilPress?: boolean;
  /**
   * The user waits for the full picture, not any frame: the clock stops at the first frame wider than `minWidth`
   * shown by a video matching `selector`, and at the first such frame decoded after the click on any of the page's
   * connections (pawcam's viewer holds a standby link whose thumbnail, at most `minWidth` wide, is on screen before
   * the click and shares its track with the live view).
   */
  fullSize?: { selector: string; minWidth: number };
}

/** One time-to-first-frame measurement, in ms from the click (null: not seen before the probe gave up). */
export interface TtffProbe {
  decodedMs: number | null;
  shownMs: number | null;
  /**
   * Where the time went, ms from the click, first occurrence in this page: `offer` (an offer set as local
   * description), `answer` (an answer set as remote description), `ice` (ICE connected), `connected` (ICE and DTLS
   * up), `track` (remote track announced).
   */
  marks: Record<string, number>;
  /** Peer connections the page created after the click (0: the watch used a connection that was already there). */
  newConnections: number;
  done: boolean;
  error: string | null;
}

/** What the glass-to-glass reader saw. */
export interface G2gProbe {
  /** Latency of each distinct frame shown, ms (capture time painted in the picture → expected display time). */
  samples: number[];
  /** Frames shown. */
  frames: number;
  /** Frames whose timecode did not decode (parity failed: a damaged picture, or a frame mid-change). */
  undecoded: number;
  /** Frames shown again with a timecode already seen. */
  repeats: number;
  /** Smallest and last frame size shown. */
  minWidth: number;
  lastWidth: number;
  lastHeight: number;
  error: string | null;
}

/** The page side of the bench, `window.__bench`. */
export interface BenchWindow {
  source: { set(format: SourceFormat): void; painted(): number } | null;
  /** `wait`: resolves once the run is done (or after `ms`), so the bench makes one call per run instead of polling. */
  ttff: { start(): void; state: TtffProbe | null; wait(ms: number): Promise<TtffProbe | null> };
  g2g(selector: string, durationMs: number): Promise<G2gProbe>;
}

/**
 * Runs in the page. Self-contained (the bench injects its source text): it uses only its arguments and the page's
 * globals. Timing is done here with performance.now(), never with round trips to the bench.
 */
function installBenchProbe(config: ProbeConfig, codec: TimecodeCodec): void {
  const w = window as unknown as { __bench?: BenchWindow; __pcs?: RTCPeerConnection[] };
  if (w.__bench) return;
  const pcs = (): RTCPeerConnection[] => w.__pcs ?? [];

  let source: BenchWindow['source'] = null;
  if (config.source && navigator.mediaDevices) {
    let format = config.source;
    let canvas: HTMLCanvasElement | null = null;
    let ctx: CanvasRenderingContext2D | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let captured: MediaStream | null = null;
    let audio: MediaStreamTrack | null = null;
    let painted = 0;
    const paint = (): void => {
      if (!canvas || !ctx) return;
      const { width, height } = format;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      ctx.fillStyle = '#707070';
      ctx.fillRect(0, 0, width, height);
      // Something moves, as in a real picture.
      ctx.fillStyle = '#3868c8';
      ctx.fillRect((painted * 8) % width, 0, Math.ceil(width / 20), height);
      codec.paint(ctx, width, height, codec.encodeTime(performance.timeOrigin + performance.now()));
      painted++;
    };
    // Timers, not requestAnimationFrame: headless Chromium throttles rAF in background pages.
    const schedule = (): void => {
      if (timer !== null) clearInterval(timer);
      timer = setInterval(paint, 1000 / format.fps);
    };
    const video = (): MediaStreamTrack => {
      if (!captured) {
        canvas = document.createElement('canvas');
        canvas.width = format.width;
        canvas.height = format.height;
        ctx = canvas.getContext('2d');
        paint();
        // No frame rate: a frame is captured whenever the painter has drawn, so the timer sets the rate.
        captured = canvas.captureStream();
        schedule();
      }
      return captured.getVideoTracks()[0]!;
    };
    const microphone = (): MediaStreamTrack => {
      if (!audio) {
        const context = new AudioContext();
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        gain.gain.value = 0.05;
        const destination = context.createMediaStreamDestination();
        oscillator.connect(gain).connect(destination);
        oscillator.start();
        void context.resume();
        audio = destination.stream.getAudioTracks()[0]!;
      }
      return audio;
    };
    navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
      const stream = new MediaStream();
      if (constraints?.video) stream.addTrack(video().clone());
      if (constraints?.audio) stream.addTrack(microphone().clone());
      return stream;
    };
    source = {
      set(next) {
        format = next;
        schedule();
      },
      painted: () => painted,
    };
  }

  let t0 = 0;
  const mark = (name: string): void => {
    const state = ttff.state;
    if (state && !state.done && state.marks[name] === undefined) state.marks[name] = performance.now() - t0;
  };
  // Timeline marks: the page's connections are watched by wrapping the engine's own methods (the constructor stays
  // what the page and the RTCPeerConnection tracker see).
  let proto: object | null = window.RTCPeerConnection ? window.RTCPeerConnection.prototype : null;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'setLocalDescription')) proto = Object.getPrototypeOf(proto) as object | null;
  if (proto) {
    const methods = proto as RTCPeerConnection;
    // Typed loosely: the engine's overloads include the legacy callback forms, passed through as they come.
    const setLocal = methods.setLocalDescription as (this: RTCPeerConnection, ...args: unknown[]) => Promise<void>;
    const setRemote = methods.setRemoteDescription as (this: RTCPeerConnection, ...args: unknown[]) => Promise<void>;
    const watched = new WeakSet<RTCPeerConnection>();
    const watch = (pc: RTCPeerConnection): void => {
      if (watched.has(pc)) return;
      watched.add(pc);
      pc.addEventListener('iceconnectionstatechange', () => {
        if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') mark('ice');
      });
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') mark('connected');
      });
      pc.addEventListener('track', () => mark('track'));
    };
    methods.setLocalDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
      watch(this);
      const type = (args[0] as RTCLocalSessionDescriptionInit | undefined)?.type;
      const isOffer = type === 'offer' || (type === undefined && this.signalingState === 'stable');
      const done = setLocal.apply(this, args);
      if (isOffer) done.then(() => mark('offer'), () => undefined);
      return done;
    };
    methods.setRemoteDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
      watch(this);
      const done = setRemote.apply(this, args);
      if ((args[0] as RTCSessionDescriptionInit | undefined)?.type === 'answer') done.then(() => mark('answer'), () => undefined);
      return done;
    };
  }

  const isRemote = (track: MediaStreamTrack): boolean => pcs().some((pc) => pc.getReceivers().some((r) => r.track === track));

  const ttff: BenchWindow['ttff'] = {
    state: null,
    wait(ms) {
      const since = performance.now();
      return new Promise((resolve) => {
        const check = (): void => {
          const state = ttff.state;
          if ((state && state.done) || performance.now() - since > ms) resolve(state);
          else setTimeout(check, 10);
        };
        check();
      });
    },
    start() {
      t0 = performance.now();
      const firstPc = pcs().length;
      const state: TtffProbe = { decodedMs: null, shownMs: null, marks: {}, newConnections: 0, done: false, error: null };
      ttff.state = state;
      const fullSize = config.fullSize ?? null;
      const hooked = new WeakMap<HTMLVideoElement, MediaProvider>();
      // With fullSize, frames decoded before the click (the thumbnail, an earlier watch) do not count: each existing
      // connection's count at the click is the floor. Read at once, before the first check.
      const decodedAtClick = new Map<RTCPeerConnection, number>();
      const floors: Promise<void> = fullSize
        ? Promise.all(
            pcs().map(async (pc) => {
              if (pc.connectionState === 'closed') return;
              (await pc.getStats()).forEach((r: { type?: string; kind?: string; framesDecoded?: number }) => {
                if (r.type === 'inbound-rtp' && r.kind === 'video') decodedAtClick.set(pc, (decodedAtClick.get(pc) ?? 0) + (r.framesDecoded ?? 0));
              });
            }),
          ).then(() => undefined)
        : Promise.resolve();
      // The widest frame the live view showed, for the reason of a run that gives up.
      let widest = 0;
      const onShown = (video: HTMLVideoElement, stream: MediaProvider): void => {
        video.requestVideoFrameCallback((now, meta) => {
          if (ttff.state !== state || state.shownMs !== null || state.done) return;
          widest = Math.max(widest, meta.width);
          if (fullSize && meta.width <= fullSize.minWidth) {
            // Still the thumbnail's size: wait for the next frame of the same stream.
            if (video.srcObject === stream) onShown(video, stream);
            return;
          }
          const at = Number.isFinite(meta.presentationTime) && meta.presentationTime > 0 ? meta.presentationTime : now;
          state.shownMs = Math.max(0, at - t0);
        });
      };
      let ticks = 0;
      const tick = async (): Promise<void> => {
        if (ttff.state !== state || state.done) return;
        state.newConnections = pcs().length - firstPc;
        if (performance.now() - t0 > 15_000) {
          state.done = true;
          state.error = fullSize
            ? `no frame within 15 s (live view: ${widest > 0 ? `frames at most ${widest} px wide` : 'no frame'}; ${state.newConnections} new connection(s); decoded ${state.decodedMs === null ? 'nothing new' : 'a full-size frame'})`
            : 'no frame within 15 s';
          return;
        }
        for (const video of document.querySelectorAll('video')) {
          const stream = video.srcObject;
          if (!(stream instanceof MediaStream) || hooked.get(video) === stream) continue;
          if (fullSize && !video.matches(fullSize.selector)) continue;
          const track = stream.getVideoTracks()[0];
          if (!track || !isRemote(track)) continue;
          hooked.set(video, stream);
          onShown(video, stream);
        }
        // getStats is costly for the page being timed: every fourth tick (~16 ms) rather than every 4 ms.
        if (state.decodedMs === null && ticks++ % 4 === 0) {
          await floors;
          for (const pc of fullSize ? pcs() : pcs().slice(firstPc)) {
            if (pc.connectionState === 'closed') continue;
            const report = await pc.getStats();
            let decoded = 0;
            let width = 0;
            report.forEach((r: { type?: string; kind?: string; framesDecoded?: number; frameWidth?: number }) => {
              if (r.type === 'inbound-rtp' && r.kind === 'video') {
                decoded += r.framesDecoded ?? 0;
                width = Math.max(width, r.frameWidth ?? 0);
              }
            });
            const fresh = fullSize ? decoded > (decodedAtClick.get(pc) ?? 0) && width > fullSize.minWidth : decoded > 0;
            if (state.decodedMs === null && fresh) state.decodedMs = performance.now() - t0;
          }
        }
        if (state.decodedMs !== null && state.shownMs !== null) {
          state.done = true;
          return;
        }
        setTimeout(() => void tick(), 4);
      };
      void tick();
    },
  };

  const g2g = (selector: string, durationMs: number): Promise<G2gProbe> => {
    const result: G2gProbe = { samples: [], frames: 0, undecoded: 0, repeats: 0, minWidth: 0, lastWidth: 0, lastHeight: 0, error: null };
    const video = [...document.querySelectorAll<HTMLVideoElement>(selector)].find((v) => v.srcObject && v.videoWidth > 0);
    if (!video) return Promise.resolve({ ...result, error: `no playing video matches ${selector}` });
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return Promise.resolve({ ...result, error: 'no 2D canvas' });
    return new Promise((resolve) => {
      const t0 = performance.now();
      let last: number | null = null;
      let finished = false;
      const finish = (error: string | null): void => {
        if (finished) return;
        finished = true;
        resolve({ ...result, error });
      };
      // Bounded even if frames stop coming.
      const guard = setTimeout(() => finish(result.frames === 0 ? 'no frames shown' : null), durationMs + 3000);
      const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
        if (finished) return;
        if (performance.now() - t0 >= durationMs || result.samples.length >= 5000) {
          clearTimeout(guard);
          finish(null);
          return;
        }
        result.frames++;
        // A 320-px-wide copy is plenty for 1/16-frame cells and keeps the readback cheap.
        const width = 320;
        const height = Math.max(1, Math.round((width * meta.height) / meta.width));
        if (canvas.width !== width || canvas.height !== height) {
          canvas.width = width;
          canvas.height = height;
        }
        ctx.drawImage(video, 0, 0, width, height);
        const value = codec.read(ctx.getImageData(0, 0, width, height).data, width, height);
        const shownAt = performance.timeOrigin + meta.expectedDisplayTime;
        result.minWidth = result.minWidth === 0 ? meta.width : Math.min(result.minWidth, meta.width);
        result.lastWidth = meta.width;
        result.lastHeight = meta.height;
        if (value === null) result.undecoded++;
        else if (value === last) result.repeats++;
        else {
          last = value;
          result.samples.push(shownAt - codec.decodeTime(value, shownAt));
        }
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  };

  w.__bench = { source, ttff, g2g };
  if (config.hiddenUntilPress) {
    let pressed = false;
    const state = (): DocumentVisibilityState => (pressed ? 'visible' : 'hidden');
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: state });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !pressed });
    window.addEventListener('pointerdown', () => (pressed = true), { capture: true, once: true });
  }
  if (config.startOn) {
    const selector = config.startOn;
    // Capture phase: the clock starts before the page's own click handler runs.
    document.addEventListener(
      'click',
      (event) => {
        if (event.target instanceof Element && event.target.closest(selector)) ttff.start();
      },
      true,
    );
  }
}

/** The init script text for `config` (tsx's `__name` helper is stubbed, as the functions' text refers to it). */
export function probeScript(config: ProbeConfig): string {
  return `(() => { const __name = (f) => f; (${installBenchProbe.toString()})(${JSON.stringify(config)}, (${timecodeCodec.toString()})()); })();`;
}

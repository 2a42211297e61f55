/**
 * The page's one AudioContext (talk-back levels, the chime). Mobile browsers start sound only from a user gesture,
 * so it is created and started inside the Start camera tap, and resumed by any later tap if the OS suspended it.
 */
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('audio-unlock');

type AudioContextConstructor = new () => AudioContext;

/** AudioContext, or Safari 14.0's prefixed one; null where there is no WebAudio. */
export function audioContextConstructor(scope: object): AudioContextConstructor | null {
  const s = scope as { AudioContext?: AudioContextConstructor; webkitAudioContext?: AudioContextConstructor };
  return s.AudioContext ?? s.webkitAudioContext ?? null;
}

/** Create and start the AudioContext; call synchronously inside the user's tap. */
export function unlockAudio(): AudioContext | null {
  const Context = audioContextConstructor(window);
  if (!Context) {
    log.warn('this browser has no WebAudio: no chime, no talk-back level');
    return null;
  }
  try {
    const context = new Context();
    // iOS unlocks a context only by playing something in the gesture: one silent sample will do.
    const source = context.createBufferSource();
    source.buffer = context.createBuffer(1, 1, 22_050);
    source.connect(context.destination);
    source.start(0);
    void context.resume().catch(() => undefined);
    return context;
  } catch (error) {
    log.warn('could not start WebAudio', { error: String(error) });
    return null;
  }
}

/** Resume `context` on any tap while the OS keeps it suspended (a call, Siri, capture starting on iOS). */
export function resumeOnTap(context: AudioContext, target: EventTarget): () => void {
  const resume = (): void => {
    if (context.state !== 'running' && context.state !== 'closed') void context.resume().catch(() => undefined);
  };
  target.addEventListener('pointerdown', resume, true);
  target.addEventListener('touchend', resume, true);
  return () => {
    target.removeEventListener('pointerdown', resume, true);
    target.removeEventListener('touchend', resume, true);
  };
}

/**
 * Talk-back: the viewers' microphones on the phone's speaker, and who is talking right now. Each viewer's received
 * audio plays through its own <audio> element (several viewers mix), because that is what the phone's echo
 * canceller hears as far-end audio (Chrome does not feed WebAudio output to it). "Talking" is a viewer's `talk {on}`
 * message or, without one, audible sound from it in the last moment (an AnalyserNode on the received track).
 */
import { TypedEmitter } from '../../../protocol/events.ts';
import { createLogger } from '../../../protocol/log.ts';
import type { Timers } from '../../../protocol/timers.ts';

const log = createLogger('talk-back');

/** Plays one viewer's audio and measures it. */
export interface RemoteAudioPlayer {
  /** Start playing; rejects when the browser refuses sound without a tap. */
  play(): Promise<void>;
  /** RMS level of the latest samples, 0..1 (0 when it cannot be measured). */
  level(): number;
  close(): void;
}

/** A viewer talking now. */
export interface Talker {
  viewerId: string;
  name: string;
}

/** Events of TalkBack. */
export type TalkBackEvents = {
  /** Who is talking changed. */
  change: (talkers: Talker[]) => void;
  /** The browser refused to play sound until the page is tapped (or, false, it plays again). */
  blocked: (blocked: boolean) => void;
};

/** Options of TalkBack. */
export interface TalkBackOptions {
  createPlayer: (track: MediaStreamTrack) => RemoteAudioPlayer;
  /** The viewer's display name (from its pairing). */
  nameOf: (viewerId: string) => string;
  timers: Timers;
  /** How often levels are read while anyone's audio is playing. */
  pollMs?: number;
  /** How long a burst of sound keeps "talking" shown. */
  holdMs?: number;
  /** RMS above which a viewer counts as talking (speech is ~0.05–0.3; a muted sender is 0). */
  threshold?: number;
}

interface Voice {
  player: RemoteAudioPlayer | null;
  talk: boolean;
  heardAt: number;
}

/** Plays the viewers' voices and tracks who is talking. */
export class TalkBack extends TypedEmitter<TalkBackEvents> {
  readonly #options: TalkBackOptions;
  readonly #timers: Timers;
  readonly #voices = new Map<string, Voice>();
  #poll: unknown = null;
  #shown = '';
  #blocked = false;
  #closed = false;

  constructor(options: TalkBackOptions) {
    super();
    this.#options = options;
    this.#timers = options.timers;
  }

  /** Who is talking now. */
  get talkers(): Talker[] {
    const now = this.#timers.now();
    const hold = this.#options.holdMs ?? 800;
    return [...this.#voices]
      .filter(([, v]) => v.talk || now - v.heardAt < hold)
      .map(([viewerId]) => ({ viewerId, name: this.#options.nameOf(viewerId) }));
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  /** Play a viewer's audio track (a re-dialled viewer's new track replaces its old one). */
  add(viewerId: string, track: MediaStreamTrack): void {
    if (this.#closed || track.kind !== 'audio') return;
    const voice = this.#voice(viewerId);
    voice.player?.close();
    let player: RemoteAudioPlayer;
    try {
      player = this.#options.createPlayer(track);
    } catch (error) {
      log.warn('cannot play a viewer\'s audio', { viewer: viewerId, error: String(error) });
      return;
    }
    voice.player = player;
    this.#start(viewerId, player);
    this.#ensurePolling();
  }

  /** The viewer pressed or released push-to-talk. */
  setTalk(viewerId: string, on: boolean): void {
    if (this.#closed) return;
    this.#voice(viewerId).talk = on;
    this.#update();
    this.#ensurePolling();
  }

  /** The viewer's session ended: stop its audio and forget it. */
  remove(viewerId: string): void {
    const voice = this.#voices.get(viewerId);
    if (!voice) return;
    voice.player?.close();
    this.#voices.delete(viewerId);
    this.#update();
  }

  /** Try playing again after a tap (the browser blocked sound). */
  unblock(): void {
    this.#setBlocked(false);
    for (const [viewerId, voice] of this.#voices) if (voice.player) this.#start(viewerId, voice.player);
  }

  close(): void {
    this.#closed = true;
    for (const voice of this.#voices.values()) voice.player?.close();
    this.#voices.clear();
    this.#timers.clearTimeout(this.#poll);
    this.#poll = null;
    this.#update();
    this.removeAllListeners();
  }

  #voice(viewerId: string): Voice {
    let voice = this.#voices.get(viewerId);
    if (!voice) {
      voice = { player: null, talk: false, heardAt: -Infinity };
      this.#voices.set(viewerId, voice);
    }
    return voice;
  }

  #start(viewerId: string, player: RemoteAudioPlayer): void {
    player.play().then(
      () => log.info('playing a viewer\'s audio', { viewer: viewerId }),
      (error: unknown) => {
        if (this.#voices.get(viewerId)?.player !== player) return;
        log.warn('the browser refused to play a viewer\'s audio', { viewer: viewerId, error: String(error) });
        this.#setBlocked(true);
      },
    );
  }

  #setBlocked(blocked: boolean): void {
    if (this.#blocked === blocked) return;
    this.#blocked = blocked;
    this.emit('blocked', blocked);
  }

  #ensurePolling(): void {
    if (this.#poll !== null || this.#closed || this.#voices.size === 0) return;
    // Timers, not requestAnimationFrame: a phone on a stand may be showing the dim overlay or be throttled.
    this.#poll = this.#timers.setTimeout(() => {
      this.#poll = null;
      const now = this.#timers.now();
      const threshold = this.#options.threshold ?? 0.02;
      for (const voice of this.#voices.values()) if (voice.player && voice.player.level() > threshold) voice.heardAt = now;
      this.#update();
      this.#ensurePolling();
    }, this.#options.pollMs ?? 150);
  }

  #update(): void {
    const talkers = this.talkers;
    const key = talkers.map((t) => `${t.viewerId}:${t.name}`).join('|');
    if (key === this.#shown) return;
    this.#shown = key;
    this.emit('change', talkers);
  }
}

/**
 * Players for the page: an <audio> element per viewer (autoplay is allowed because the page captures and the user
 * tapped Start), measured by an AnalyserNode on `context` when there is one. Where the element is still refused,
 * the sound goes through `context` instead, which the Start tap unlocked.
 */
export function browserPlayers(context: AudioContext | null): (track: MediaStreamTrack) => RemoteAudioPlayer {
  return (track) => {
    const stream = new MediaStream([track]);
    const element = document.createElement('audio');
    element.autoplay = true;
    element.setAttribute('playsinline', '');
    element.srcObject = stream;
    let source: MediaStreamAudioSourceNode | null = null;
    let analyser: AnalyserNode | null = null;
    if (context) {
      try {
        // Chrome feeds a remote track to WebAudio only while a media element plays it too: the element stays.
        source = context.createMediaStreamSource(stream);
        analyser = context.createAnalyser();
        analyser.fftSize = 512;
        source.connect(analyser);
      } catch (error) {
        log.info('cannot measure the talk-back level', { error: String(error) });
      }
    }
    const samples = new Uint8Array(analyser ? analyser.fftSize : 0);
    let throughContext = false;
    return {
      async play() {
        try {
          await element.play();
        } catch (error) {
          if (!context || !source || context.state !== 'running') throw error;
          // The element may play muted (always allowed) while the unlocked context carries the sound.
          element.muted = true;
          await element.play().catch(() => undefined);
          if (!throughContext) source.connect(context.destination);
          throughContext = true;
        }
      },
      level() {
        if (!analyser) return 0;
        analyser.getByteTimeDomainData(samples);
        let sum = 0;
        for (const byte of samples) {
          const x = (byte - 128) / 128;
          sum += x * x;
        }
        return Math.sqrt(sum / samples.length);
      },
      close() {
        element.pause();
        element.srcObject = null;
        source?.disconnect();
      },
    };
  };
}

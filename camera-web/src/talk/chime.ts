/** The "come here" chime: three rising notes, about a second, on the AudioContext the Start tap unlocked. */
import { PawcamError } from '../../../protocol/errors.ts';

/** E5, G5, C6: bright and short, easy for a pet to notice. */
const NOTES_HZ = [659.25, 783.99, 1046.5];
const STEP_S = 0.3;
const NOTE_S = 0.42;

/** How long a suspended context gets to start (its resume() never settles where sound is blocked or missing). */
const RESUME_WAIT_MS = 1_500;

/** Play the chime; rejects when the browser keeps sound blocked. */
export async function playChime(context: AudioContext): Promise<void> {
  // iOS suspends (or "interrupts") the context when capture starts or a call comes in; resuming may need a tap.
  if (context.state !== 'running') {
    await Promise.race([context.resume().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, RESUME_WAIT_MS))]);
  }
  if (context.state !== 'running') throw new PawcamError('sound-blocked', 'sound is blocked on the phone: tap the camera page once');
  const start = context.currentTime + 0.05;
  const output = context.createGain();
  output.gain.value = 0.7;
  output.connect(context.destination);
  NOTES_HZ.forEach((frequency, i) => {
    const at = start + i * STEP_S;
    const oscillator = context.createOscillator();
    const envelope = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.setValueAtTime(frequency, at);
    envelope.gain.setValueAtTime(0.0001, at);
    envelope.gain.exponentialRampToValueAtTime(1, at + 0.02);
    envelope.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S);
    // No chained connect(): Safari 14's connect() returns undefined.
    oscillator.connect(envelope);
    envelope.connect(output);
    oscillator.start(at);
    oscillator.stop(at + NOTE_S + 0.02);
  });
  setTimeout(() => output.disconnect(), (0.1 + NOTES_HZ.length * STEP_S + NOTE_S) * 1000);
}

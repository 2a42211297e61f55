/**
 * What the viewer calls each kind of event. The sound kinds name a pattern the phone heard, not an animal: a loudness
 * heuristic cannot tell a bark from a dropped pan, so the words say "-like" and never "bark".
 */
import type { EventKind } from '../../../../protocol/event-messages.ts';

/** Each kind in plain words, as a label (capitalised). */
export const KIND_WORDS: Record<EventKind, string> = {
  motion: 'Motion',
  'barking-like': 'Barking-like sound',
  'howling-like': 'Howling-like sound',
  'loud-sound': 'Loud sound',
  'camera-offline': 'Camera offline',
};

/** A notification's title: the camera's name and what happened, e.g. "Hall: barking-like sound". */
export function eventTitle(cameraName: string, kind: EventKind): string {
  const words = KIND_WORDS[kind];
  return `${cameraName}: ${words.charAt(0).toLowerCase()}${words.slice(1)}`;
}

/** A notification's body: when it happened, in the viewer's local time ("at 14:05:09"; another day adds the date). */
export function eventTime(at: number, now: number): string {
  const when = new Date(at);
  const time = when.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return new Date(now).toDateString() === when.toDateString() ? `at ${time}` : `on ${when.toLocaleDateString()} at ${time}`;
}

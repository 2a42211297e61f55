/**
 * Auto-resume: a camera the owner left running comes back by itself after the phone's browser reloads the page (a
 * crash, memory pressure, a discarded tab, an update). Where the browser kept the camera and microphone permission
 * the page starts the camera without a tap; where it did not, the page waits for a tap and says so, and viewers are
 * told (StandbyPongs). The page re-checks when it comes back to the front or the network returns.
 */
import { createLogger } from '../../../protocol/log.ts';
import type { KeyValueStore } from '../pairing/camera-id.ts';

const log = createLogger('auto-resume');

const RUNNING_KEY = 'pawcam.cameraLeftOn';

/** Whether the browser lets the page open the camera and microphone without asking. */
export type MediaPermission = 'granted' | 'denied' | 'prompt' | 'unknown';

/** What to do on load (or when the page comes back): start by itself, wait for a tap, or nothing (never started). */
export type ResumeDecision = 'start' | 'needs-tap' | 'idle';

/** Remember that the owner left the camera on (true from a started camera, false from Stop camera). */
export function rememberCameraOn(store: KeyValueStore, on: boolean): void {
  try {
    store.setItem(RUNNING_KEY, on ? '1' : '0');
  } catch (error) {
    log.warn('could not remember the camera state', { error: String(error) });
  }
}

/** The owner left the camera on when the page last ran. */
export function cameraLeftOn(store: KeyValueStore): boolean {
  try {
    return store.getItem(RUNNING_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Decide what the page does now. Opening a pairing link is not consent to stream, and a camera the owner stopped
 * stays stopped: only a camera left on resumes, and only by itself where the permission is kept.
 */
export function decideResume(leftOn: boolean, permission: MediaPermission, pairingLinkOpen: boolean): ResumeDecision {
  if (!leftOn || pairingLinkOpen) return 'idle';
  return permission === 'granted' ? 'start' : 'needs-tap';
}

/** The part of `navigator` the permission check reads. */
export interface PermissionEnv {
  permissions?: { query(descriptor: { name: string }): Promise<{ state: string }> };
  mediaDevices?: { enumerateDevices(): Promise<{ kind: string; label: string }[]> };
}

/**
 * Is the camera and microphone permission kept for this page? The Permissions API where it knows 'camera' and
 * 'microphone' (Chrome); elsewhere (Firefox before 131, Safari before 16) device labels are shown only to a page that
 * holds the permission, which tells the same.
 */
export async function mediaPermission(env: PermissionEnv): Promise<MediaPermission> {
  try {
    if (env.permissions) {
      const [camera, microphone] = await Promise.all([
        env.permissions.query({ name: 'camera' }),
        env.permissions.query({ name: 'microphone' }),
      ]);
      const states = [camera.state, microphone.state];
      if (states.every((s) => s === 'granted')) return 'granted';
      if (states.includes('denied')) return 'denied';
      return 'prompt';
    }
  } catch (error) {
    log.debug('the Permissions API does not know the camera; trying device labels', { error: String(error) });
  }
  try {
    const devices = (await env.mediaDevices?.enumerateDevices()) ?? [];
    const labelled = (kind: string): boolean => devices.some((d) => d.kind === kind && d.label !== '');
    return labelled('videoinput') && labelled('audioinput') ? 'granted' : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The page events after which a waiting camera page checks again: back in front, back from the cache, network back. */
export interface ResumeTriggers {
  document: Pick<Document, 'addEventListener' | 'removeEventListener' | 'visibilityState'>;
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/** Call `check` whenever the page is visible again or the network returns; returns the unsubscribe. */
export function onResumeChance(triggers: ResumeTriggers, check: () => void): () => void {
  const visible = (): void => {
    if (triggers.document.visibilityState === 'visible') check();
  };
  triggers.document.addEventListener('visibilitychange', visible);
  triggers.window.addEventListener('online', check);
  triggers.window.addEventListener('pageshow', check);
  return () => {
    triggers.document.removeEventListener('visibilitychange', visible);
    triggers.window.removeEventListener('online', check);
    triggers.window.removeEventListener('pageshow', check);
  };
}

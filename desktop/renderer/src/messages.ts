/**
 * Every sentence the viewer shows a user, in one place (the camera page keeps its own in error-messages.ts). Logic
 * modules pick a sentence from here; none builds user-facing wording itself, so the wording stays consistent.
 */

/** The short state words on a live view or mini window. */
export const WATCH_LABELS = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  live: 'Live',
  waitingForPicture: 'Connected — waiting for the picture…',
  notConnected: 'Not connected',
} as const;

/** "Camera offline", with since when (a local time) when known; `retrying` while a watch keeps dialling. */
export function offlineSinceLabel(since: number | null, retrying: boolean): string {
  const base = since === null ? 'Camera offline' : `Camera offline since ${new Date(since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  return retrying ? `${base} — reconnecting…` : base;
}

/** The mini window's own words. */
export const MINI_MESSAGES = {
  notListed: 'This camera is not in the list any more.',
  waitingForPicture: 'Waiting for the picture…',
} as const;

/** Why a watch ended, and what to do about it. */
export const WATCH_MESSAGES = {
  stopped: 'Stopped.',
  cameraOffline: 'The camera is offline.',
  timeout: 'The camera did not answer in time.',
  connectionClosed: 'The connection to the camera closed.',
  connectionLost: 'The connection to the camera was lost.',
  cameraEnded: 'The camera ended the session.',
  cameraBusy: 'The camera is busy: it is already sending to as many viewers as it can.',
  relayUnavailable:
    'The camera cannot use a relay: its server has no TURN relay, and "Always relay" allows no direct connection. Turn off "Always relay" in Settings, or give the pawcam server a TURN relay.',
  tamperedAnswer: "The camera's answer was altered in transit — someone may be tampering with the server. Not connected.",
  tamperedOffer:
    'The camera refused the connection because our request arrived altered — someone may be tampering with the server. Not connected.',
  replayedOffer:
    'The camera refused the connection because our request arrived twice (replayed) — someone may be tampering with the server. Not connected.',
  cameraClock:
    'The camera refused the connection: the clocks of this computer and the phone differ by more than 2 minutes. Set both to the network time.',
  answerClock:
    "The camera's answer could not be trusted: the clocks of this computer and the phone differ by more than 2 minutes. Set both to the network time.",
  notPaired: 'This viewer is not paired with that camera. Forget it and pair it again with Add camera.',
} as const;

/** A watch that failed for a technical reason (`detail` is the error's own message). */
export function connectionFailedMessage(detail: string): string {
  return `The connection failed: ${detail}`;
}

/** "Always relay" could not reach the camera; `turnError` is a TURN server's 401/403 refusal, if one came. */
export function relayFailureMessage(turnError: number | null): string {
  return turnError !== null
    ? `The relay server refused our credentials (TURN error ${turnError}), and "Always relay" allows no other way to the camera.`
    : 'Could not connect through the relay server: it did not answer or could not reach the camera, and "Always relay" allows no other way.';
}

const RELAY_ADVICE = 'Turn off "Always relay" in Settings, or give the pawcam server a TURN relay.';

/** The server's ICE servers cannot carry "Always relay" (`detail` says why, e.g. no TURN relay). */
export function relayUnusableMessage(detail: string): string {
  return `${detail}. ${RELAY_ADVICE}`;
}

/** "Always relay" is on but the server could not be asked for its relay (`why`: the fetch's error, if known). */
export function relayConfigMissingMessage(why: string | null): string {
  return `"Always relay" is on, but the relay settings could not be fetched from the server${why ? ` (${why})` : ''}. ${RELAY_ADVICE}`;
}

/** What the camera controls say when a control did not happen. */
export const CONTROL_MESSAGES = {
  notConnected: 'Not connected to the camera.',
  noAnswer: 'The camera did not answer.',
  failed: 'The camera could not do that.',
} as const;

/** Snapshots. */
export const SNAPSHOT_MESSAGES = {
  noPicture: 'There is no picture yet.',
  noLivePicture: 'There is no live picture to take a snapshot of.',
  cannotDraw: 'This browser cannot draw the picture.',
  cannotEncode: 'The picture could not be encoded as PNG.',
  notWatching: 'Start watching that camera to take a snapshot of it.',
} as const;

/** Where a snapshot went: a download in the web viewer, a file in the desktop app. */
export function snapshotSavedMessage(path: string, shell: 'desktop' | 'web'): string {
  return shell === 'web' ? `Downloaded ${path}` : `Saved to ${path}`;
}

/** The shell refused to keep the snapshot. */
export function snapshotNotSavedMessage(detail: string): string {
  return `The snapshot was not saved: ${detail}`;
}

/** Taking the snapshot failed before it could be saved. */
export function snapshotFailedMessage(detail: string): string {
  return `The snapshot failed: ${detail}`;
}

/** A snapshot file that the web shell refused to save. */
export function invalidSnapshotMessage(detail: string): string {
  return `Not a valid snapshot (${detail}).`;
}

/** The camera list. */
export const CAMERA_LIST_MESSAGES = {
  notFound: 'That camera is no longer in the list.',
  nameTooLong: 'That name is too long (60 characters at most).',
  nameBadCharacters: 'That name has characters that cannot be used.',
  nameMissing: 'A camera needs a name.',
} as const;

/** The camera list has no room for another camera. */
export function listFullMessage(max: number): string {
  return `The list is full (${max} cameras).`;
}

/** The camera list could not be saved (`detail`: why). */
export function listNotSavedMessage(detail: string): string {
  return `Could not save the camera list: ${detail}`;
}

/** Pairing a camera from this viewer. */
export const PAIRING_MESSAGES = {
  codeNotReserved: 'The server would not reserve this code. Make a new one.',
  notACamera: 'Something that is not a pawcam camera tried to pair. Nothing was saved. Make a new link and try again.',
  listFull: 'The camera list is full. Forget a camera first, then make a new link.',
  codeMismatch: 'The phone’s code did not match (mistyped, or someone guessed). This code is used up and nothing was saved. Make a new one.',
  replyNotVerified: 'The camera could not verify this viewer’s reply, so nothing was saved. Make a new link and try again.',
  timeout: 'The camera did not finish pairing in time. Nothing was saved. Make a new link and try again.',
  confirmationNotVerified:
    'The camera’s confirmation did not verify (someone may have interfered), so nothing was saved. Make a new link and try again.',
  notSaved: 'The pairing worked, but this viewer could not save it. Forget the camera on the phone, then try again.',
} as const;

/** Storage and the browser shell. */
export const STORAGE_MESSAGES = {
  keysVolatile: 'This browser does not keep data for this site, so cameras paired now are forgotten when this tab closes.',
  settingsRefused: 'The browser refused to store the settings (storage full or disabled).',
  settingsVolatile: 'This browser does not keep settings for this site, so this viewer gets a new identity each time it opens.',
  keysNotThroughApi: 'The web viewer keeps pair keys in IndexedDB, not through the app API.',
  listVolatile: 'This browser blocks site storage, so the camera list is not kept after this tab closes.',
} as const;

/** A forgotten camera's pair key stayed behind (`detail`: why). */
export function keyNotDeletedMessage(detail: string): string {
  return `The camera was removed, but its key could not be deleted: ${detail}`;
}

/** The mini window did not open (`detail`: why). */
export function miniWindowFailedMessage(detail: string): string {
  return `Could not open the mini window: ${detail}`;
}

/** The viewer as a whole. */
export const VIEWER_MESSAGES = {
  openElsewhere: 'This viewer is already open in another tab or window. Close the other one and reload this page.',
  /** The server closed this window's connection because the same identity connected again elsewhere (its reason). */
  superseded: 'The server moved this viewer to another window that connected with the same identity. Reload this page to watch here.',
  notEnrolled:
    'The pawcam server does not know this viewer: it is closed to devices its owner did not enroll. Open the owner link the server printed (…/viewer/#owner=…) in this browser, or in the desktop app give the server’s owner credential in Settings.',
} as const;

/** The events timeline (desktop only). */
export const TIMELINE_MESSAGES = {
  title: 'Events',
  today: 'Today',
  yesterday: 'Yesterday',
  loading: 'Loading events…',
  empty: 'Nothing happened this day.',
  emptyFiltered: 'Nothing of the chosen kinds this day.',
  noKinds: 'Choose at least one kind of event to show.',
  clipPending: 'Clip still arriving from the phone…',
  noClip: 'No clip for this event.',
  clipMissing: 'The clip could not be played (it may have been removed to save space).',
  offlineNote: 'The camera was out of touch; nothing was recorded.',
  deleteConfirm: 'Delete this event and its clip?',
  reportWriting: 'Writing the daily report…',
} as const;

/** Why the timeline could not load or change (`detail`: what the app said). */
export function timelineFailedMessage(detail: string): string {
  return `Could not load the events: ${detail}`;
}

/** An event could not be deleted (`detail`: why). */
export function eventNotDeletedMessage(detail: string): string {
  return `The event was not deleted: ${detail}`;
}

/** The daily report was written and opened. */
export function reportOpenedMessage(path: string): string {
  return `Daily report saved to ${path} and opened in your browser.`;
}

/** The daily report could not be written or opened (`detail`: why). */
export function reportFailedMessage(detail: string): string {
  return `Daily report: ${detail}`;
}

/** The Events button's accessible name, with how many events are new. */
export function eventsButtonLabel(cameraName: string, unseen: number): string {
  return unseen > 0 ? `Events of ${cameraName}, ${unseen} new` : `Events of ${cameraName}`;
}

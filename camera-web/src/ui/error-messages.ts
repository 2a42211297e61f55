/** Human messages for the errors a phone owner can meet on the camera page. */
import type { PawcamError } from '../../../protocol/errors.ts';

/** A message: a headline, then a few short paragraphs of what to do. */
export interface ErrorHelp {
  title: string;
  body: string[];
  /** Whether tapping Start camera again can help. */
  retry: boolean;
}

/** Facts about the page that make a message concrete. */
export interface ErrorContext {
  /** `location.hostname`, to show what the https:// address looks like. */
  hostname: string;
}

/** What to tell the user about `error`. */
export function errorHelp(error: PawcamError, context: ErrorContext): ErrorHelp {
  switch (error.code) {
    case 'insecure-context':
      return {
        title: 'Open the secure (https://) address',
        body: [
          'This page was opened over plain http://, and phones only let https:// pages use the camera.',
          `Open the https:// address the pawcam server printed when it started (it looks like https://${context.hostname}:PORT/).`,
          'The first time, the browser warns about the certificate: it is your own server’s certificate. Check that its fingerprint matches the one the server printed, then accept it once.',
        ],
        retry: false,
      };
    case 'permission-denied':
      return {
        title: 'Camera or microphone access is blocked',
        body: [
          'pawcam needs the camera and the microphone to stream.',
          'iPhone: tap “aA” in the address bar › Website Settings, set Camera and Microphone to Allow (or Settings › Safari › Camera / Microphone), then reload the page.',
          'Android: tap the icon left of the address › Permissions, allow Camera and Microphone, then tap Start camera again.',
        ],
        retry: true,
      };
    case 'no-camera':
      return {
        title: 'No camera found',
        body: ['This device did not offer a camera. If it has one, check that it is enabled, then try again.'],
        retry: true,
      };
    case 'camera-busy':
      return {
        title: 'The camera is busy',
        body: ['Another app or tab is using the camera. Close it (video calls, the camera app), then tap Start camera again.'],
        retry: true,
      };
    case 'unsupported-browser':
      return {
        title: 'This browser cannot stream',
        body: [
          'It has no WebRTC, which pawcam needs to send video to your viewers.',
          'Use Safari on iPhone (iOS 14.3 or newer) or Chrome or Firefox on Android.',
        ],
        retry: false,
      };
    case 'server-unreachable':
      return {
        title: 'Cannot reach the pawcam server',
        body: [
          'Check that the server is running and that this phone is on the same network. The page keeps trying by itself.',
        ],
        retry: false,
      };
    case 'not-enrolled':
      return {
        title: 'This server does not know this camera yet',
        body: [
          'The pawcam server only lets in devices its owner enrolled. In your viewer, click Add camera and scan the QR code with this phone: the link enrolls the camera and pairs it in one go.',
          'A link or code works once and expires; if this one was used or too old, make a new one.',
        ],
        retry: false,
      };
    case 'superseded':
      return {
        title: 'This camera was opened somewhere else',
        body: ['This camera page is open in another tab or browser on this phone, which took over. Close one of them; tap Reconnect here to take it back.'],
        retry: false,
      };
    case 'id-taken':
      return {
        title: 'This camera ID is in use on another device',
        body: [
          'Another phone or browser tab is streaming as this camera. Close pawcam there, then tap Reconnect here.',
        ],
        retry: false,
      };
    default:
      return { title: 'Something went wrong', body: [error.message], retry: true };
  }
}

/** The camera page's other sentences (answers to a typed code, storage trouble). */
export const PAGE_MESSAGES = {
  codesPaused: 'Typed codes are paused after 3 failed tries. Allow them again above, or use the QR code.',
  cannotConnect: 'This browser cannot connect to the pawcam server (see the message above).',
  handedOver: 'This pairing link went to the pawcam tab that is already running the camera: say yes there. You can close this tab.',
  revokeNotStored: 'The viewer is revoked for now, but the browser could not delete it: it may come back after a reload.',
} as const;

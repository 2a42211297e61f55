/** Snapshots of the live video: its current frame as PNG bytes, and saving it through the shell, for every view. */
import { PawcamError, toPawcamError } from '../../../../protocol/errors.ts';
import type { SnapshotResult } from '../../../../protocol/ipc.ts';
import { SNAPSHOT_MESSAGES, snapshotFailedMessage, snapshotNotSavedMessage, snapshotSavedMessage } from '../messages.ts';

/** The current frame of `video` as PNG bytes (not the element's displayed size: its intrinsic one). */
export async function captureFrame(video: HTMLVideoElement): Promise<Uint8Array<ArrayBuffer>> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width === 0 || height === 0) throw new PawcamError('no-picture', SNAPSHOT_MESSAGES.noPicture);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new PawcamError('unsupported-browser', SNAPSHOT_MESSAGES.cannotDraw);
  context.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new PawcamError('snapshot-failed', SNAPSHOT_MESSAGES.cannotEncode);
  return new Uint8Array(await blob.arrayBuffer());
}

/** How a snapshot went: a note for the view, or an error with its code. */
export type SnapshotOutcome = { ok: true; note: string } | { ok: false; error: PawcamError };

/** Take and save a snapshot of `video` (null or without a picture: refused with `no-picture`). */
export async function takeSnapshot(
  video: HTMLVideoElement | null | undefined,
  cameraName: string,
  save: (cameraName: string, png: Uint8Array<ArrayBuffer>) => Promise<SnapshotResult>,
  shell: 'desktop' | 'web',
): Promise<SnapshotOutcome> {
  if (!video || video.videoWidth === 0) return { ok: false, error: new PawcamError('no-picture', SNAPSHOT_MESSAGES.noLivePicture) };
  try {
    const result = await save(cameraName, await captureFrame(video));
    if (result.ok) return { ok: true, note: snapshotSavedMessage(result.path, shell) };
    return { ok: false, error: new PawcamError('snapshot-failed', snapshotNotSavedMessage(result.error)) };
  } catch (error) {
    return { ok: false, error: new PawcamError(toPawcamError(error, 'snapshot-failed').code, snapshotFailedMessage(toPawcamError(error).message), { cause: error }) };
  }
}

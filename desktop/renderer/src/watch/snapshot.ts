/** Grabbing the live video's current frame as PNG bytes, at the stream's full resolution. */
import { PawcamError } from '../../../../protocol/errors.ts';

/** The current frame of `video` as PNG bytes (not the element's displayed size: its intrinsic one). */
export async function captureFrame(video: HTMLVideoElement): Promise<Uint8Array<ArrayBuffer>> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width === 0 || height === 0) throw new PawcamError('unknown', 'There is no picture yet.');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new PawcamError('unsupported-browser', 'This browser cannot draw the picture.');
  context.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new PawcamError('unknown', 'The picture could not be encoded as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}

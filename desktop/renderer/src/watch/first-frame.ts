/**
 * When a video element first puts a frame on screen: what the live view and the mini window wait for before they
 * take their "Connecting…" overlay off the picture (not the data channel opening, which comes before any frame).
 */

/** The part of an HTMLVideoElement the watch reads. */
export interface FrameSurface {
  readonly videoWidth: number;
  readonly readyState: number;
  /** Absent in browsers without it (Firefox before 132, Safari before 15.4). */
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
  addEventListener(type: 'playing' | 'loadeddata', listener: () => void): void;
  removeEventListener(type: 'playing' | 'loadeddata', listener: () => void): void;
}

/** HTMLMediaElement.HAVE_CURRENT_DATA: the element holds a frame it can show. */
const HAVE_CURRENT_DATA = 2;

/**
 * Call `onShown` once, when `video` first presents a frame to the compositor (requestVideoFrameCallback), or where
 * that is missing, when it plays or has data with a known picture size. Returns the cancel.
 */
export function onFirstFrame(video: FrameSurface, onShown: () => void): () => void {
  let done = false;
  const shown = (): void => {
    if (done) return;
    done = true;
    cancel();
    onShown();
  };
  let cancel: () => void;
  if (typeof video.requestVideoFrameCallback === 'function') {
    const handle = video.requestVideoFrameCallback(shown);
    cancel = () => video.cancelVideoFrameCallback?.(handle);
  } else {
    // Without the callback, the first moment we can tell a picture is there: a frame with a size, playing or loaded.
    const check = (): void => {
      if (video.videoWidth > 0) shown();
    };
    video.addEventListener('playing', check);
    video.addEventListener('loadeddata', check);
    cancel = () => {
      video.removeEventListener('playing', check);
      video.removeEventListener('loadeddata', check);
    };
    if (video.readyState >= HAVE_CURRENT_DATA) check();
  }
  return () => {
    done = true;
    cancel();
  };
}

/** Snapshot file names: `pawcam-<camera-name>-YYYY-MM-DD_HH-MM-SS.png`, safe on every OS. */

const pad = (n: number): string => String(n).padStart(2, '0');

/** A camera name made safe as part of a file name on Windows, macOS and Linux. */
export function safeFileNamePart(name: string): string {
  const safe = name
    .normalize('NFC')
    // Reserved on Windows or meaningful to shells, plus control characters.
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f]+/g, '-')
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40)
    .replace(/[-.]+$/, '');
  return safe === '' ? 'camera' : safe;
}

/** The file name of a snapshot of `cameraName` taken at `at` (local time). */
export function snapshotFileName(cameraName: string, at: Date): string {
  const date = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  return `pawcam-${safeFileNamePart(cameraName)}-${date}_${time}.png`;
}

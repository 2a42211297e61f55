/** The camera's status report in words for the live view, and the warnings worth a glance. */
import type { CameraStatus } from '../../../../protocol/messages.ts';

/** Battery below this (0–1) is low. */
export const LOW_BATTERY = 0.2;

/** A warning chip. */
export interface StatusWarning {
  readonly kind: 'battery' | 'unplugged' | 'hidden' | 'wake-lock';
  readonly text: string;
}

/** "2 h 3 min", "5 min", "40 s". */
export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${Math.floor(seconds)} s`;
}

/** Battery level in whole percent, or null when the phone does not say. */
export function batteryPercent(status: CameraStatus): number | null {
  return status.battery ? Math.round(status.battery.level * 100) : null;
}

/** "1280×720 · 30 fps · up 2 h 3 min" (the battery is shown apart, with its icon: batteryLabel). */
export function formatStatus(status: CameraStatus): string {
  const parts: string[] = [];
  if (status.video) parts.push(`${status.video.width}×${status.video.height}`, `${Math.round(status.video.fps)} fps`);
  parts.push(`up ${formatUptime(status.uptimeSec)}`);
  return parts.join(' · ');
}

/** "45% (charging)", or null when the phone does not tell. */
export function batteryLabel(status: CameraStatus): string | null {
  const percent = batteryPercent(status);
  return percent === null ? null : `${percent}%${status.battery?.charging ? ' (charging)' : ''}`;
}

/** What needs the owner's attention: low battery, charger unplugged, camera page in the background. */
export function statusWarnings(status: CameraStatus): StatusWarning[] {
  const warnings: StatusWarning[] = [];
  const percent = batteryPercent(status);
  if (status.battery && status.battery.level < LOW_BATTERY) warnings.push({ kind: 'battery', text: `Battery low (${percent}%)` });
  if (status.battery && !status.battery.charging) warnings.push({ kind: 'unplugged', text: 'Charger unplugged' });
  if (status.hidden) warnings.push({ kind: 'hidden', text: 'The phone put the camera page in the background' });
  return warnings;
}

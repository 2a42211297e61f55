/** What the viewer says about a camera page that answers but does not stream yet. */
import type { CameraStandby } from '../../../../protocol/envelope.ts';

/** "Camera page needs a tap on the phone since 14:02" (the phone's clock time, in this viewer's time zone). */
export function standbyText(standby: CameraStandby, locale?: string): string {
  const at = new Date(standby.since).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  switch (standby.need) {
    case 'tap':
      return `Camera page needs a tap on the phone since ${at}`;
  }
}

/** "Battery 42 %", "Battery 42 %, charging"; empty when the camera does not say. */
export function batteryText(battery: { level: number; charging: boolean } | null): string {
  if (!battery) return '';
  const percent = Math.round(battery.level * 100);
  return `Battery ${percent} %${battery.charging ? ', charging' : ''}`;
}

/** "Last seen 14:02" (today) or "Last seen 1 Dec, 14:02"; empty when never seen. */
export function lastSeenText(lastSeen: number | null, now: number, locale?: string): string {
  if (lastSeen === null) return '';
  const at = new Date(lastSeen);
  const time = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const sameDay = new Date(now).toDateString() === at.toDateString();
  return sameDay ? `Last seen ${time}` : `Last seen ${at.toLocaleDateString(locale, { day: 'numeric', month: 'short' })}, ${time}`;
}

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

import { describe, expect, it } from 'vitest';
import { detectBrowser } from './webrtc-adapter.ts';

describe('webrtc-adapter stand-in', () => {
  it('reports the browsers peerjs knows, as the real adapter does', () => {
    const iosSafari14 =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 14_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0.2 Mobile/15E148 Safari/604.1';
    const androidChrome87 =
      'Mozilla/5.0 (Linux; Android 8.0.0; SM-G930F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.101 Mobile Safari/537.36';
    const firefoxEsr = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const iosChrome =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/87.0.4280.77 Mobile/15E148 Safari/604.1';
    expect(detectBrowser(iosSafari14, true)).toEqual({ browser: 'safari', version: 605 });
    expect(detectBrowser(androidChrome87, true)).toEqual({ browser: 'chrome', version: 87 });
    expect(detectBrowser(firefoxEsr, true)).toEqual({ browser: 'firefox', version: 128 });
    expect(detectBrowser(iosChrome, true)).toEqual({ browser: 'safari', version: 605 });
    // WebKitGTK without WebRTC, like the adapter: not a browser it would shim.
    expect(detectBrowser(iosSafari14, false)).toEqual({ browser: null, version: null });
  });
});

/**
 * Stand-in for `webrtc-adapter`, aliased in camera-web/vite.config.ts. peerjs imports the adapter only to read
 * `browserDetails` (its `util.supports.browser` flag and DataConnection chunking, neither of which decides anything
 * for us: the Peer constructor aborts only when RTCPeerConnection cannot be constructed). On this page peerjs is the
 * signaling socket alone and simple-peer does the media, so the real adapter's ~11 KB gzip of RTCPeerConnection
 * patches buy nothing; the one patch that mattered to an answerer (Safari refusing `addIceCandidate` with an empty
 * end-of-candidates string) is done in camera-sessions.ts.
 */

/** What the adapter's `detectBrowser` reports, for the browsers the camera page supports. */
export interface BrowserDetails {
  browser: 'chrome' | 'firefox' | 'safari' | null;
  version: number | null;
}

/** The same answers the real adapter gives on Chrome/Android, Firefox and Safari/iOS. */
export function detectBrowser(userAgent: string, hasPeerConnection: boolean): BrowserDetails {
  const version = (pattern: RegExp): number | null => {
    const match = pattern.exec(userAgent);
    return match ? Number(match[1]) : null;
  };
  if (/Firefox\//.test(userAgent)) return { browser: 'firefox', version: version(/Firefox\/(\d+)\./) };
  if (/Chrom(?:e|ium)\//.test(userAgent)) return { browser: 'chrome', version: version(/Chrom(?:e|ium)\/(\d+)\./) };
  // Safari, and every iOS browser (CriOS, FxiOS: all WebKit, versioned by AppleWebKit like the adapter does).
  if (hasPeerConnection && /AppleWebKit\//.test(userAgent)) return { browser: 'safari', version: version(/AppleWebKit\/(\d+)\./) };
  return { browser: null, version: null };
}

const browserDetails =
  typeof navigator === 'undefined'
    ? { browser: null, version: null }
    : detectBrowser(navigator.userAgent, typeof RTCPeerConnection === 'function');

export default { browserDetails };

/**
 * Register the camera page's service worker (public/sw.js), which keeps the page startable while its host is
 * unreachable. Browsers allow it only on a secure origin whose certificate they trust: on the default self-signed
 * certificate registration fails, and the page works as before (from the network only). Which deployment gets which:
 * docs/SECURITY.md, "Who serves the code".
 */
import { createLogger } from '../../../protocol/log.ts';

const log = createLogger('offline-cache');

/** What registering needs (the browser's navigator, or a test's). */
export interface ServiceWorkerHost {
  isSecureContext: boolean;
  navigator: { serviceWorker?: { register(url: string, options?: { scope?: string }): Promise<unknown> } };
}

/** How it went: registered, not possible here (no API, insecure page), or refused (e.g. an untrusted certificate). */
export type OfflineCache = 'registered' | 'unavailable' | 'refused';

/** Register `./sw.js` for this page's folder. Never throws. */
export async function registerOfflineCache(host: ServiceWorkerHost): Promise<OfflineCache> {
  const sw = host.navigator.serviceWorker;
  if (!host.isSecureContext || !sw) return 'unavailable';
  try {
    await sw.register('./sw.js', { scope: './' });
    log.info('offline cache registered: the page starts even while its server is unreachable');
    return 'registered';
  } catch (error) {
    // Chromium, Firefox and Safari refuse service workers on a certificate the user only clicked through.
    log.info('no offline cache (the browser refused the service worker; a self-signed certificate does that)', { error: String(error) });
    return 'refused';
  }
}

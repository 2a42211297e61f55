// The camera page's offline cache (a service worker; browsers allow one only on an origin whose certificate they
// trust). It keeps the page and its assets so a phone whose page host is unreachable for a while (the desktop app's
// LAN server is off, a static host is down) still starts the camera page after a reload, and the page reconnects to
// the rendezvous by itself. Navigations go to the network first (updates arrive at once) and fall back to the cache;
// content-hashed assets come from the cache. It is no defence against a malicious page host: the browser fetches a
// new sw.js from the same origin (docs/SECURITY.md, "Who serves the code").
const CACHE = 'pawcam-camera-page-v1';
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page, then every asset it names (scripts and styles with their integrity, which the cache keeps as fetched).
async function precache() {
  const cache = await caches.open(CACHE);
  const page = await fetch('./', { cache: 'no-cache' });
  if (!page.ok) throw new Error(`camera page: HTTP ${page.status}`);
  const html = await page.clone().text();
  await cache.put('./', page);
  const assets = [...html.matchAll(/(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assets.push('./awake.mp4');
  await cache.addAll(assets);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only this origin's GETs; the rendezvous (signaling, ICE, enrollment) is never cached.
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // The camera page only: the web viewer (/viewer/) lives under the same scope and is left to the network.
  const root = new URL('./', self.location.href).pathname;
  if (request.mode === 'navigate' && url.pathname === root) {
    event.respondWith(networkFirst(request));
    return;
  }
  if (url.pathname.startsWith(`${root}assets/`)) event.respondWith(cacheFirst(request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) await cache.put('./', response.clone());
    return response;
  } catch {
    const cached = await cache.match('./');
    if (cached) return cached;
    throw new Error('the camera page is offline and not cached');
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

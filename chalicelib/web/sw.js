/* The citizens' pages' service worker: keeps their shell (pages, scripts, styles, choices) so that
   /lapor/ and /lacak/ open without a signal. Network first, the cache when there is none; the API's
   other answers and every POST pass through untouched (complaints wait in the page's own outbox). */
const CACHE = "aduan-warga-v1";
const SHELL = ["/lapor/", "/lacak/", "/static/warga.css", "/static/warga.js", "/static/lapor.js",
  "/static/lacak.js", "/static/kelurahan.json", "/static/manifest.webmanifest", "/static/icon.svg", "/v1/categories"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function shellKey(url) {
  if (url.pathname === "/lapor" || url.pathname === "/lapor/") return "/lapor/";
  if (url.pathname === "/lacak" || url.pathname.startsWith("/lacak/")) return "/lacak/";
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const key = shellKey(url);
  if (!key) return;
  event.respondWith(fetch(event.request).then((resp) => {
    if (resp.ok) { const copy = resp.clone(); caches.open(CACHE).then((c) => c.put(key, copy)); }
    return resp;
  }).catch(() => caches.match(key).then((hit) => hit || Response.error())));
});

/* The operators' console's service worker (scope /operator/): the shell opens without a signal, and the
   inbox and the complaints opened recently stay readable offline. Network first; the cache only when there
   is no answer for the data (marked X-Konsol-Cache so the page says it shows a copy), the shell from the cache at once and
   refreshed behind it. POSTs (actions) are never cached
   nor replayed here: the page's own outbox sends a waiting answer once, with its If-Match. Keluar (sign
   out) and every new sign-in delete the data cache. */
const SHELL_CACHE = "aduan-operator-shell-v1";
const DATA_CACHE = "aduan-operator-data";
const SHELL = ["/operator/", "/operator/config.json", "/static/operator.css", "/static/operator.js",
  "/static/operator.webmanifest", "/static/icon.svg", "/static/kelurahan.json", "/v1/categories"];
const MAX_DATA = 40; // the inbox pages and complaints opened last

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("aduan-operator-shell") && n !== SHELL_CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function shellKey(url) {
  if (url.pathname === "/operator" || url.pathname === "/operator/") return "/operator/";
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

const isData = (url) => url.pathname === "/v1/operator/complaints" || url.pathname.startsWith("/v1/operator/complaints/")
  || url.pathname === "/v1/operator/templates" || url.pathname === "/v1/operator/people";

async function fromCache(cacheName, key) {
  const hit = await caches.match(key, { cacheName });
  if (!hit) return Response.error();
  const headers = new Headers(hit.headers);
  headers.set("X-Konsol-Cache", "1");
  return new Response(await hit.blob(), { status: hit.status, headers });
}

async function keep(cacheName, key, resp) {
  const cache = await caches.open(cacheName);
  await cache.put(key, resp);
  if (cacheName === DATA_CACHE) {
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DATA))) await cache.delete(old);
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const shell = shellKey(url);
  const data = !shell && isData(url) && !url.pathname.endsWith("/attachments") && !url.pathname.includes("/photos/");
  if (!shell && !data) return;
  const cacheName = shell ? SHELL_CACHE : DATA_CACHE;
  const key = shell ? shell : url.pathname + url.search;
  const network = fetch(event.request).then((resp) => {
    if (resp.ok) { const copy = resp.clone(); event.waitUntil(keep(cacheName, key, copy)); }
    return resp;
  });
  if (shell) {
    // the shell at once from the cache (a slow link costs nothing on a reload), refreshed behind it
    event.waitUntil(network.catch(() => null));
    event.respondWith(caches.match(key, { cacheName }).then((hit) => hit || network));
    return;
  }
  event.respondWith(network.catch(() => fromCache(cacheName, key)));
});

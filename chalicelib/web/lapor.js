/* /lapor/: a citizen files a complaint from a phone browser.
   Sending is safe to repeat: one Idempotency-Key per form (kept with the draft and in the outbox), one
   X-Client-Id per browser. Offline, the complaint waits in the browser's outbox (IndexedDB, photos
   included) and is sent once the connection returns. */
import { $, el, api, NoAnswer, clientId, newId, keepToken, showErrors, clearErrors, registerWorker } from "./warga.js";

const MAX_PHOTOS = 5; // the API's attachments.max_per_complaint
const MAX_SIDE = 1600; // px: photos are downscaled in the browser before they go up
const DRAFT = "aduan.draft";
const FIELDS = ["category", "description", "kelurahan", "address", "contact"];
const CHECKS = ["anonymous", "confidential"];

let draft = loadDraft();
let photos = []; // [{blob, url}]
let running = null; // the send in progress (a double tap joins it)
let retryTimer = null;

function loadDraft() {
  try { return JSON.parse(sessionStorage.getItem(DRAFT)) || { idem: newId() }; } catch (e) { return { idem: newId() }; }
}
function saveDraft() {
  for (const f of FIELDS) draft[f] = $("#" + f).value;
  for (const f of CHECKS) draft[f] = $("#" + f).checked;
  sessionStorage.setItem(DRAFT, JSON.stringify(draft));
}
function restoreDraft() {
  for (const f of FIELDS) if (draft[f] !== undefined) $("#" + f).value = draft[f];
  for (const f of CHECKS) if (draft[f] !== undefined) $("#" + f).checked = draft[f];
  showPoint();
  if (map) showChosen();
  syncAnonymous();
}

// -- the outbox: complaints waiting to be sent (IndexedDB keeps photos as Blobs) -------------------
function db() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open("aduan", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("outbox", { keyPath: "idem" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
async function outbox(mode, fn) {
  const conn = await db();
  return new Promise((resolve, reject) => {
    const tx = conn.transaction("outbox", mode);
    const req = fn(tx.objectStore("outbox"));
    tx.oncomplete = () => { conn.close(); resolve(req && req.result); };
    tx.onerror = () => { conn.close(); reject(tx.error); };
  });
}
const putJob = (job) => outbox("readwrite", (s) => s.put(job));
const dropJob = (idem) => outbox("readwrite", (s) => s.delete(idem));
const allJobs = () => outbox("readonly", (s) => s.getAll());

// -- choices from the API and the map's kelurahan -------------------------------------------------
async function loadChoices() {
  // both asked for at once: on a slow link each round trip costs about half a second
  const asked = [api("/v1/categories"), fetch("/static/kelurahan.json")];
  for (const p of asked) p.catch(() => {});
  try {
    const cats = await asked[0];
    for (const c of (cats.body && cats.body.categories) || []) {
      $("#category").append(el("option", { value: c.code, text: c.name }));
    }
  } catch (e) { /* offline without a cached copy: the queued note says why */ }
  try {
    const resp = await asked[1];
    const shapes = await resp.json();
    const places = shapes.kelurahan.slice().sort((a, b) => a.name.localeCompare(b.name, "id"));
    for (const k of places) $("#kelurahan").append(el("option", { value: k.code, text: k.name }));
    drawMap(shapes);
  } catch (e) { /* idem */ }
  $("#max-photos").textContent = String(MAX_PHOTOS);
}

// -- where: the browser's location, a point tapped on the kelurahan map, or a kelurahan ----------
function showPoint() {
  const kel = $("#kelurahan").selectedOptions[0];
  const where = draft.src !== "map" ? "Lokasi Anda" : "Titik di peta" + (kel && kel.value ? `, Kelurahan ${kel.text}` : "");
  $("#point").textContent = draft.lat === undefined ? ""
    : `${where}: ${draft.lat.toFixed(5)}, ${draft.lon.toFixed(5)}` + (draft.acc ? ` (±${Math.round(draft.acc)} m)` : "");
  showPin();
}

/* The map is the public page's (kelurahan.json: SVG paths in a view box and the projection that made
   them). A tap gives a point and its kelurahan; the list below stays the keyboard's way to give a place. */
const SVG = "http://www.w3.org/2000/svg";
const ZOOM = 4; // the first tap shows a quarter of the map's width around it, for a finer second tap
let map = null; // {projection, whole: [x, y, w, h]}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}
function drawMap(shapes) {
  if (!shapes.projection || !shapes.viewBox) return;
  map = { projection: shapes.projection, whole: shapes.viewBox.split(" ").map(Number) };
  const svg = $("#map");
  svg.replaceChildren(...shapes.kelurahan.map((k) => svgEl("path", { d: k.path, "data-kelurahan": k.code })),
    svgEl("circle", { id: "map-pin", r: 0, visibility: "hidden" }));
  view(map.whole);
  $("#map-box").hidden = false;
  showChosen();
  showPin();
}
function view(box) {
  $("#map").setAttribute("viewBox", box.join(" "));
  $("#map-whole").hidden = box === map.whole;
  $("#map-pin").setAttribute("r", String(box[2] / 40)); // about 7 px whatever the zoom
}
function showPin() {
  if (!map) return;
  const pin = $("#map-pin"), pr = map.projection;
  if (draft.lat === undefined) { pin.setAttribute("visibility", "hidden"); return; }
  pin.setAttribute("cx", String((draft.lon - pr.west) * pr.x_per_deg));
  pin.setAttribute("cy", String((pr.north - draft.lat) * pr.y_per_deg));
  pin.setAttribute("visibility", "visible");
}
function showChosen() {
  for (const p of document.querySelectorAll("#map path")) p.classList.toggle("chosen", p.dataset.kelurahan === $("#kelurahan").value);
}
function tapMap(event) {
  const svg = $("#map");
  const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  const shape = event.target.closest && event.target.closest("path[data-kelurahan]");
  if (!shape) { $("#point").textContent = "Titik itu di luar peta kelurahan; ketuk di dalam batas kelurahan atau pilih dari daftar."; return; }
  const pr = map.projection, round = (v) => Math.round(v * 1e6) / 1e6;
  draft.lat = round(pr.north - at.y / pr.y_per_deg);
  draft.lon = round(pr.west + at.x / pr.x_per_deg);
  draft.acc = undefined;
  draft.src = "map";
  $("#kelurahan").value = shape.dataset.kelurahan;
  if ($("#map-whole").hidden) {
    const [x0, y0, w, h] = map.whole, zw = w / ZOOM, zh = h / ZOOM;
    view([Math.min(Math.max(at.x - zw / 2, x0), x0 + w - zw), Math.min(Math.max(at.y - zh / 2, y0), y0 + h - zh), zw, zh]);
  }
  clearErrors();
  saveDraft(); showChosen(); showPoint(); nearby();
}
function chooseKelurahan() {
  // a kelurahan chosen from the list replaces a point tapped on the map (the two would disagree)
  if (draft.src === "map") { delete draft.lat; delete draft.lon; delete draft.src; saveDraft(); showPoint(); nearby(); }
  showChosen();
}
function useLocation() {
  if (!navigator.geolocation) { $("#point").textContent = "Browser ini tidak dapat memberi lokasi; pilih kelurahan."; return; }
  $("#point").textContent = "Mencari lokasi…";
  navigator.geolocation.getCurrentPosition((pos) => {
    if (draft.src === "map") $("#kelurahan").value = ""; // the tapped kelurahan went with the tapped point
    draft.lat = pos.coords.latitude; draft.lon = pos.coords.longitude; draft.acc = pos.coords.accuracy; draft.src = "gps";
    saveDraft(); showChosen(); showPoint(); nearby();
  }, () => { $("#point").textContent = "Lokasi tidak diizinkan atau tidak ditemukan; pilih kelurahan."; },
  { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

async function nearby() {
  const box = $("#nearby"), list = $("#nearby-list");
  if (draft.lat === undefined || !$("#category").value) { box.hidden = true; return; }
  const q = new URLSearchParams({ lat: String(draft.lat), lon: String(draft.lon), category: $("#category").value });
  try {
    const resp = await api("/v1/complaints/nearby?" + q);
    if (resp.status === 400) { showErrors(resp.body.errors, () => "err-location", "err-location", LABELS); box.hidden = true; return; }
    const found = (resp.body && resp.body.complaints) || [];
    list.replaceChildren(...found.map((c) => el("li", {},
      el("a", { href: "/lacak/" + encodeURIComponent(c.tracking_id), text: c.tracking_id }),
      " " + [c.title || "", c.status_label, `${c.distance_m} m`].filter(Boolean).join(" · "))));
    box.hidden = found.length === 0;
  } catch (e) { box.hidden = true; }
}

// -- photos: downscaled to JPEG (longest side 1,600 px) in the browser ----------------------------
async function downscale(file) {
  const bmp = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bmp.width * scale));
  canvas.height = Math.max(1, Math.round(bmp.height * scale));
  canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
}
async function addPhotos() {
  const input = $("#photos");
  clearErrors();
  for (const file of Array.from(input.files || [])) {
    if (photos.length >= MAX_PHOTOS) {
      showErrors([{ field: "attachments", message_id: `Maksimal ${MAX_PHOTOS} foto per aduan` }], () => "err-photos");
      break;
    }
    try {
      const blob = await downscale(file);
      photos.push({ blob, url: URL.createObjectURL(blob) });
    } catch (e) {
      showErrors([{ field: "attachments", message_id: "Berkas ini bukan foto yang dapat dibaca" }], () => "err-photos");
    }
  }
  input.value = "";
  showPhotos();
}
function showPhotos() {
  $("#photo-list").replaceChildren(...photos.map((p, i) => el("li", {},
    el("img", { src: p.url, alt: `Foto ${i + 1}`, width: 64, height: 64 }),
    el("button", { type: "button", class: "link", "data-i": i, text: `Hapus foto ${i + 1}` }))));
}

// -- sending ----------------------------------------------------------------------------------
function syncAnonymous() {
  const anon = $("#anonymous").checked;
  $("#contact").disabled = anon;
}

function submission() {
  const location = {};
  if (draft.lat !== undefined) { location.lat = draft.lat; location.lon = draft.lon; }
  if ($("#kelurahan").value) location.kelurahan_code = $("#kelurahan").value;
  if ($("#address").value.trim()) location.address = $("#address").value.trim();
  const body = {
    category: $("#category").value,
    description: $("#description").value,
    location,
    anonymous: $("#anonymous").checked,
    confidential: $("#confidential").checked,
  };
  const contact = $("#contact").value.trim();
  if (contact && !body.anonymous) body.reporter = contact.includes("@") ? { email: contact } : { phone: contact };
  return body;
}

const FIELD_BOX = [
  ["category", "err-category"], ["description", "err-description"], ["title", "err-description"],
  ["location", "err-location"], ["reporter", "err-contact"], ["attachments", "err-photos"],
];
const LABELS = {
  category: "Kategori", description: "Apa yang terjadi?", title: "Judul", location: "Lokasi",
  "location.kelurahan_code": "Kelurahan", "location.address": "Alamat", "location.lat": "Lokasi", "location.lon": "Lokasi",
  reporter: "Kontak", "reporter.phone": "Nomor HP", "reporter.email": "E-mail", attachments: "Foto",
};
const boxFor = (field) => (FIELD_BOX.find(([p]) => field === p || field.startsWith(p + ".")) || [])[1];

function queued(text) {
  const note = $("#queued");
  note.textContent = text || "";
  note.hidden = !text;
}

function later(job, waitMs) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => send(job), waitMs);
}

async function uploadPhoto(job, i) {
  const form = await api("/v1/uploads", { method: "POST", body: { content_type: "image/jpeg" } });
  if (form.status !== 201) return form;
  const data = new FormData();
  for (const [k, v] of Object.entries(form.body.upload.fields)) data.append(k, v);
  data.append("file", job.photos[i], `foto-${i + 1}.jpg`);
  let resp;
  try { resp = await fetch(form.body.upload.url, { method: "POST", body: data, credentials: "omit" }); } catch (e) { throw new NoAnswer(String(e)); }
  if (!resp.ok) return { status: resp.status, body: { errors: [{ field: "attachments", message_id: "Foto gagal diunggah" }] } };
  job.keys[i] = form.body.key;
  await putJob(job);
  return null;
}

/** Send one job (photos first, then the complaint); a second call while it runs joins the first. */
function send(job) {
  if (!running) running = attempt(job).finally(() => { running = null; });
  return running;
}

async function attempt(job) {
  $("#send").disabled = true;
  try {
    const busy = (resp) => resp.status === 429 || resp.status >= 500;
    for (let i = 0; i < job.photos.length; i++) {
      if (job.keys[i]) continue;
      const failed = await uploadPhoto(job, i);
      if (failed && busy(failed)) return waitBusy(job);
      if (failed) return refused(job, failed);
    }
    const body = { ...job.body, attachments: job.keys };
    const resp = await api("/v1/complaints", {
      method: "POST", body, headers: { "Idempotency-Key": job.idem, "X-Client-Id": clientId() },
    });
    if (resp.status === 201) return accepted(job, resp.body);
    if (busy(resp)) return waitBusy(job);
    return refused(job, resp);
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    queued("Aduan Anda menunggu sinyal dan akan terkirim otomatis begitu tersambung lagi. Jangan tutup halaman ini.");
    return later(job, navigator.onLine ? 3000 : 30000);
  } finally {
    $("#send").disabled = false;
  }
}

function waitBusy(job) {
  queued("Server sedang sibuk; aduan Anda dicoba kirim lagi sebentar lagi.");
  later(job, 10000);
}

async function refused(job, resp) {
  // nothing was filed: the form keeps what was typed; a corrected form is a new request (a new key)
  clearTimeout(retryTimer);
  await dropJob(job.idem);
  queued("");
  draft.idem = newId();
  saveDraft();
  const errors = (resp.body && resp.body.errors) || [{ field: "", message_id: (resp.body && resp.body.message_id) || "Aduan belum dapat dikirim" }];
  showErrors(errors, boxFor, "err-general", LABELS);
}

async function accepted(job, answer) {
  clearTimeout(retryTimer); // the online event may have sent it before the timer
  await dropJob(job.idem);
  queued("");
  sessionStorage.removeItem(DRAFT);
  draft = { idem: newId() };
  for (const p of photos) URL.revokeObjectURL(p.url);
  photos = [];
  const id = answer.tracking_id;
  if (answer.reporter_token) keepToken(id, answer.reporter_token);
  $("#report").hidden = true;
  $("#done-id").textContent = id;
  $("#done-token").textContent = answer.reporter_token || "";
  $("#done-secret").hidden = !answer.reporter_token;
  $("#done-link").href = "/lacak/" + encodeURIComponent(id);
  $("#done").hidden = false;
  $("#done").focus();
}

function onSubmit(event) {
  event.preventDefault();
  if (running) return; // a double tap joins the send in progress
  clearErrors();
  saveDraft();
  const job = { idem: draft.idem, body: submission(), photos: photos.map((p) => p.blob), keys: photos.map(() => null) };
  running = (async () => {
    const waiting = (await allJobs()).find((j) => j.idem === job.idem); // sent before, answer lost
    await putJob(waiting || job);
    await attempt(waiting || job);
  })().finally(() => { running = null; });
}

async function resume() {
  // a complaint left in the outbox (offline, or the page reloaded while sending) goes once, with its key
  const jobs = await allJobs();
  if (jobs.length) {
    queued("Aduan Anda menunggu sinyal dan akan terkirim otomatis begitu tersambung lagi.");
    send(jobs[0]);
  }
}

(async function main() {
  await loadChoices();
  restoreDraft();
  const form = $("#report");
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  form.addEventListener("submit", onSubmit);
  $("#category").addEventListener("change", nearby);
  $("#anonymous").addEventListener("change", syncAnonymous);
  $("#use-location").addEventListener("click", useLocation);
  $("#map").addEventListener("click", tapMap);
  $("#map-whole").addEventListener("click", () => view(map.whole));
  $("#kelurahan").addEventListener("change", chooseKelurahan);
  $("#photos").addEventListener("change", addPhotos);
  $("#photo-list").addEventListener("click", (e) => {
    const i = e.target.dataset && e.target.dataset.i;
    if (i === undefined) return;
    URL.revokeObjectURL(photos[Number(i)].url);
    photos.splice(Number(i), 1);
    showPhotos();
  });
  window.addEventListener("online", async () => { const jobs = await allJobs(); if (jobs.length) send(jobs[0]); });
  await resume();
  document.body.dataset.ready = "true";
  registerWorker(); // after the page is usable: its cache fill must not slow the first load
})();

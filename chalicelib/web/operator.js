/* The operators' console (/operator/): plain ES module, no framework, no build step, no third-party request.
   Sign-in is OpenID Connect authorization code with PKCE against whatever /operator/config.json names
   (Cognito's managed login in AWS, the development issuer under `make run`). The ID token lives in
   sessionStorage only and leaves the page only as the API's bearer. Everything a complaint or a person
   wrote is set with textContent, never as HTML. */

const $ = (sel, root) => (root || document).querySelector(sel);
const SS = window.sessionStorage;
const K = { session: "op.session", pkce: "op.pkce", outbox: "op.outbox", draft: "op.draft." };
const DATA_CACHE = "aduan-operator-data";
const POLL_MS = 15000;
const FLUSH_MS = 4000;

function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined && kid !== false) node.append(kid);
  return node;
}

const enc = encodeURIComponent;
const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString("id-ID", { timeZone: "Asia/Jakarta",
  dateStyle: "medium", timeStyle: "short" }) + " WIB" : "–");
const fmtNum = (n) => Number(n).toLocaleString("id-ID", { maximumFractionDigits: 1 });

export const STATUS = {
  received: "Diterima", awaiting_confirmation: "Menunggu konfirmasi", emergency: "Ditangani pusat darurat",
  forwarded: "Diteruskan ke LAPOR!", needs_attention: "Perlu tindakan admin", verified: "Terverifikasi",
  in_progress: "Dalam proses", resolved: "Selesai ditindaklanjuti", closed: "Ditutup", rejected: "Ditolak",
  archived: "Diarsipkan", returned: "Dikembalikan (bukan wewenang)", duplicate: "Duplikat",
};
const FINAL = new Set(["emergency", "closed", "rejected", "archived", "duplicate"]);
const CHANNELS = { app: "Aplikasi/web", rabeg: "Rabeg", call112: "112", psc119: "119", open311: "Open311", lapor: "SP4N-LAPOR!" };
const ACTIONS = {
  acknowledge: "Terima", assign: "Tugaskan", respond: "Jawaban", note: "Catatan internal", resolve: "Selesaikan",
  reject: "Tolak", "not-ours": "Bukan wewenang", reassign: "Disposisi", "duplicate-of": "Duplikat",
  confirm: "Konfirmasi aduan", dismiss: "Bukan aduan",
};

/** "2 hari kerja lagi" / "terlambat 1 hari kerja", as the API counts working days. */
export function deadlineText(row) {
  if (row.overdue_working_days !== null && row.overdue_working_days !== undefined) {
    return { text: `terlambat ${fmtNum(row.overdue_working_days)} hari kerja`, late: true };
  }
  if (row.working_days_left !== null && row.working_days_left !== undefined) {
    return { text: `${fmtNum(row.working_days_left)} hari kerja lagi`, late: false };
  }
  return { text: "–", late: false };
}

const badge = (status, label) => el("span", { class: `badge s-${status}`, text: label || STATUS[status] || status });
const rung = (level) => (level ? `Tingkat ${level}` : "–");
const channelName = (c) => CHANNELS[c] || c;

// -- sign-in: authorization code with PKCE ------------------------------------------------------

let config = null;
let session = null; // {token, claims}

class NoAnswer extends Error {}
class SignedOut extends Error {}

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomString = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));
async function s256(text) {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
function claimsOf(jwt) {
  let part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  while (part.length % 4) part += "=";
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
const consoleUrl = () => location.origin + "/operator/";
const role = () => (session ? (session.claims["cognito:groups"] || [])[0] : null);
const myUnit = () => (session ? session.claims["custom:unit"] : null);
const myUser = () => (session ? session.claims["cognito:username"] || session.claims.sub : null);

async function loadConfig() {
  const resp = await fetch("/operator/config.json", { credentials: "omit" });
  config = await resp.json();
}

function loadSession() {
  try {
    const saved = JSON.parse(SS.getItem(K.session) || "null");
    if (saved && saved.claims.exp * 1000 > Date.now() + 5000) session = saved;
  } catch (e) { session = null; }
}

async function startSignIn() {
  if (!config || !config.authorization_endpoint) { showSignIn("Alamat masuk belum diatur untuk tahap ini."); return; }
  const verifier = randomString(48), state = randomString(16), nonce = randomString(16);
  SS.setItem(K.pkce, JSON.stringify({ verifier, state, nonce, back: location.hash || "#/" }));
  const q = new URLSearchParams({
    response_type: "code", client_id: config.client_id, redirect_uri: consoleUrl(), scope: config.scope,
    state, nonce, code_challenge: await s256(verifier), code_challenge_method: "S256",
  });
  location.assign(config.authorization_endpoint + "?" + q);
}

/** Back from the sign-in page: trade the code (once) and take it out of the address at once. */
async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return;
  const saved = JSON.parse(SS.getItem(K.pkce) || "null");
  SS.removeItem(K.pkce);
  history.replaceState(null, "", "/operator/" + ((saved && saved.back) || "#/"));
  if (params.has("error")) { showSignIn("Masuk tidak berhasil: " + params.get("error")); return; }
  if (!saved || params.get("state") !== saved.state) { showSignIn("Permintaan masuk tidak cocok. Silakan masuk lagi."); return; }
  let data = null;
  try {
    const resp = await fetch(config.token_endpoint, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: params.get("code"), client_id: config.client_id,
        redirect_uri: consoleUrl(), code_verifier: saved.verifier }),
    });
    data = await resp.json();
  } catch (e) { data = null; }
  if (!data || !data.id_token) { showSignIn("Masuk tidak berhasil. Silakan coba lagi."); return; }
  const claims = claimsOf(data.id_token);
  if (claims.nonce !== saved.nonce) { showSignIn("Token masuk tidak cocok. Silakan masuk lagi."); return; }
  session = { token: data.id_token, claims };
  SS.setItem(K.session, JSON.stringify(session));
  if ("caches" in window) await caches.delete(DATA_CACHE); // nobody reads the previous person's copies
}

function expire() {
  session = null;
  SS.removeItem(K.session);
  showSignIn("Sesi Anda berakhir. Masuk lagi; tulisan yang belum terkirim tetap tersimpan di perangkat ini.");
}

async function signOut() {
  for (const key of Object.keys(SS)) if (key.startsWith("op.")) SS.removeItem(key);
  session = null;
  if ("caches" in window) await caches.delete(DATA_CACHE);
  if (config && config.end_session_endpoint) {
    location.assign(config.end_session_endpoint + "?" + new URLSearchParams({ client_id: config.client_id, logout_uri: consoleUrl() }));
  } else showSignIn("Anda sudah keluar.");
}

function showSignIn(why) {
  for (const v of document.querySelectorAll("main > section")) v.hidden = true;
  $("#nav").hidden = true;
  $("#who").hidden = true;
  $("#signin").hidden = false;
  $("#signin-why").textContent = why || "";
  $("#signin-go").focus();
}

// -- the API ----------------------------------------------------------------------------------------

/** An API answer {status, body, etag, cached}; NoAnswer when none came, SignedOut on 401. */
async function api(path, { method = "GET", body, headers = {} } = {}) {
  if (!session) throw new SignedOut();
  let resp;
  try {
    resp = await fetch(path, {
      method, credentials: "omit", cache: "no-store",
      headers: { ...headers, Authorization: "Bearer " + session.token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) { throw new NoAnswer(String(e)); }
  if (resp.status === 401) { expire(); throw new SignedOut(); }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  return { status: resp.status, body: data, etag: resp.headers.get("ETag"), cached: resp.headers.get("X-Konsol-Cache") };
}

const problems = (body) => ((body && body.errors) || []).map((e) => e.message_id || e.message).join(" ")
  || (body && (body.message_id || body.message)) || "Permintaan ditolak.";

// -- drafts: what is typed stays in this tab (sessionStorage) until it is sent ------------------------

const draftKey = (id, field) => K.draft + id + "." + field;
function draftBox(id, field, attrs, tag = "textarea") {
  const box = el(tag, { id: `${field}-${id}`, name: field, ...attrs });
  box.value = SS.getItem(draftKey(id, field)) || "";
  box.addEventListener("input", () => SS.setItem(draftKey(id, field), box.value));
  return box;
}
const forget = (id, ...fields) => fields.forEach((f) => SS.removeItem(draftKey(id, f)));

// -- the outbox: answers written without a signal, sent once when it returns ------------------------

const outbox = () => JSON.parse(SS.getItem(K.outbox) || "[]");
const saveOutbox = (items) => { SS.setItem(K.outbox, JSON.stringify(items)); showOutbox(); };
let flushing = false;

/** The proof photo an operator chose, per complaint: a stale-version screen re-renders the form, and the
 * photo must go with the answer sent again, uploaded once. */
const chosenProofs = new Map(); // tracking id -> {file, key}

function showOutbox() {
  const n = outbox().length;
  $("#outbox").hidden = n === 0;
  $("#outbox").textContent = n ? `${n} tulisan menunggu sinyal: terkirim sekali saat tersambung lagi.` : "";
}

function enqueue(id, body, version, fields, photo) {
  saveOutbox([...outbox(), { key: randomString(12), id, body, version, fields, ...(photo ? { photo } : {}) }]);
  forget(id, ...fields);
}

async function flush() {
  if (flushing || !session || !navigator.onLine) return;
  flushing = true;
  try {
    for (const item of outbox()) {
      if (item.photo && !item.body.attachment) {
        try {
          const blob = blobOf(item.photo);
          item.body.attachment = await uploadProof(item.id, blob);
          saveOutbox(outbox().map((x) => (x.key === item.key ? { ...item, photo: null } : x))); // up once
        } catch (e) {
          if (e instanceof NoAnswer || e instanceof SignedOut) return;
          item.body.attachment = undefined; // refused: the answer goes without its photo, and says so
          note(`Foto bukti untuk ${item.id} tidak terunggah: ${e.message}`);
        }
      }
      let resp;
      try {
        resp = await api(`/v1/operator/complaints/${enc(item.id)}/actions`, { method: "POST", body: item.body, headers: { "If-Match": `"${item.version}"` } });
      } catch (e) { return; } // still no signal (or signed out): try again later
      const rest = outbox().filter((x) => x.key !== item.key);
      if (resp.status === 200) {
        saveOutbox(rest);
        if (current && current.tracking_id === item.id) { current = resp.body; renderComplaint(); }
        note(`Terkirim: ${ACTIONS[item.body.action]} untuk ${item.id}.`);
        continue;
      }
      // refused: maybe it did arrive before the answer was lost (the version moved); else give the text back
      const now = await api(`/v1/operator/complaints/${enc(item.id)}`).catch(() => null);
      const arrived = now && now.status === 200 && item.body.message
        && now.body.timeline.some((t) => t.message === item.body.message && t.actor === myUser());
      saveOutbox(rest);
      if (arrived) { note(`Terkirim: ${ACTIONS[item.body.action]} untuk ${item.id}.`); continue; }
      const text = item.body.message || item.body.reason;
      if (text && item.fields[0]) SS.setItem(draftKey(item.id, item.fields[0]), text);
      if (current && current.tracking_id === item.id && resp.body && resp.body.error === "stale_version") {
        await showStale(item.version);
      } else {
        note(`Belum terkirim untuk ${item.id}: ${problems(resp.body)} Tulisan Anda dikembalikan ke formulir.`);
        if (current && current.tracking_id === item.id && now && now.status === 200) { current = now.body; renderComplaint(); }
      }
    }
  } finally { flushing = false; }
}

function note(text) { const box = $("#act-result"); if (box) box.textContent = text; }

// -- routing ------------------------------------------------------------------------------------------

let pollTimer = null;
function show(view, navView) {
  for (const v of document.querySelectorAll("main > section")) v.hidden = v.id !== view;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.view === (navView || view.replace("view-", ""))) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

/** Counts the views opened: a view whose answers arrive after another view was opened draws nothing. */
let routeSeq = 0;
const superseded = (mine) => mine !== routeSeq;

async function route() {
  if (!session) { showSignIn(); return; }
  routeSeq += 1;
  clearInterval(pollTimer);
  const hash = location.hash || "#/";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  try {
    if (path.startsWith("/c/")) await openComplaint(decodeURIComponent(path.slice(3)));
    else if (path.startsWith("/papan")) await openBoard(params);
    else if (path.startsWith("/panggilan")) await openCalls();
    else if (path.startsWith("/diteruskan")) { params.set("shelf", "forwarded"); await openInbox(params); }
    else if (path.startsWith("/templat")) await openTemplates(params);
    else if (path.startsWith("/pemberitahuan")) await openNotify();
    else if (path.startsWith("/alamat-unit")) await openUnitMail(params);
    else await openInbox(params);
  } catch (e) {
    if (!(e instanceof SignedOut)) throw e;
  }
}

// -- the inbox ----------------------------------------------------------------------------------------

let inboxState = null; // {params, rows, next, seen:Set}
const selected = new Set();

async function loadChoices() {
  if (loadChoices.done) return;
  loadChoices.done = true;
  for (const [code, label] of Object.entries(STATUS)) $("#f-status").append(el("option", { value: code, text: label }));
  for (const [code, label] of Object.entries(CHANNELS)) $("#f-channel").append(el("option", { value: code, text: label }));
  try {
    const cats = await fetch("/v1/categories").then((r) => r.json());
    for (const c of cats.categories || []) $("#f-category").append(el("option", { value: c.code, text: c.name }));
  } catch (e) { /* offline without a copy */ }
  try {
    const places = (await kelurahan()).kelurahan.slice().sort((a, b) => a.name.localeCompare(b.name, "id"));
    for (const k of places) $("#f-kelurahan").append(el("option", { value: k.code, text: k.name }));
  } catch (e) { /* idem */ }
  if (inboxState) { // the filters chosen before their options arrived
    $("#f-category").value = inboxState.params.get("category") || "";
    $("#f-kelurahan").value = inboxState.params.get("kelurahan_code") || "";
  }
}

let places = null;
async function kelurahan() {
  if (!places) places = await fetch("/static/kelurahan.json").then((r) => r.json());
  return places;
}

function inboxQuery(params) {
  const q = new URLSearchParams();
  for (const k of ["status", "channel", "category", "kelurahan_code", "unit", "sort"]) if (params.get(k)) q.set(k, params.get(k));
  if (params.get("overdue") === "true") q.set("overdue", "true");
  if (params.get("assigned_to") === "me") q.set("assigned_to", "me");
  if (params.get("shelf") === "forwarded") q.set("shelf", "forwarded");
  return q;
}

/** The inbox, or the "Diteruskan" shelf: what the unit handed on and still reads (no action there). */
async function openInbox(params) {
  const shelf = params.get("shelf") === "forwarded";
  show("view-inbox", shelf ? "forwarded" : "inbox");
  $("#inbox-title").textContent = shelf ? "Diteruskan" : "Kotak masuk";
  $("#inbox").setAttribute("aria-label", shelf ? "Diteruskan" : "Kotak masuk");
  $("#shelf-note").hidden = !shelf;
  $("#filter-box").hidden = shelf;
  $("#badges").hidden = shelf;
  loadChoices();
  const form = $("#filters");
  for (const k of ["status", "channel", "category", "kelurahan_code", "sort", "unit"]) {
    const box = form.elements[k];
    if (box) box.value = params.get(k) || (k === "sort" ? "newest" : "");
  }
  form.elements.overdue.checked = params.get("overdue") === "true";
  form.elements.assigned_to.checked = params.get("assigned_to") === "me";
  const key = inboxQuery(params).toString();
  if (!inboxState || inboxState.key !== key) {
    inboxState = { key, params, rows: [], next: null, seen: null };
    $("#inbox-rows").replaceChildren(); // another list: none of the previous one's rows stay meanwhile
  }
  await refreshInbox(false);
  pollTimer = setInterval(() => { if (!document.hidden) refreshInbox(true).catch(() => {}); }, POLL_MS);
}

/** The copy the service worker kept of this inbox page, shown at once while the network answers. */
async function cachedPage(path) {
  if (!("caches" in window)) return null;
  try {
    const url = new URL(path, location.origin);
    const hit = await caches.match(url.pathname + url.search, { cacheName: DATA_CACHE });
    return hit ? await hit.json() : null;
  } catch (e) { return null; }
}

async function refreshInbox(polling) {
  const state = inboxState;
  const q = inboxQuery(state.params);
  if (!polling && !state.rows.length) {
    const copy = await cachedPage("/v1/operator/complaints?" + q);
    if (copy && state === inboxState && !state.rows.length) {
      state.rows = copy.complaints;
      state.next = null;
      $("#inbox-holder").textContent = "· " + copy.inbox;
      renderBadges(copy.counts, state.params);
      renderRows();
      $("#inbox-news").textContent = "Memperbarui…";
    }
  }
  let resp;
  try { resp = await api("/v1/operator/complaints?" + q); } catch (e) {
    if (e instanceof NoAnswer) { $("#inbox-from-cache").hidden = false; $("#inbox-from-cache").textContent = "Tidak ada sinyal: kotak masuk belum pernah dimuat di perangkat ini."; return; }
    throw e;
  }
  if (state !== inboxState) return;
  if (resp.status !== 200) { $("#inbox-news").textContent = problems(resp.body); return; }
  const page = resp.body;
  const fresh = state.seen ? page.complaints.filter((r) => !state.seen.has(r.tracking_id)) : [];
  state.seen = new Set([...(state.seen || []), ...page.complaints.map((r) => r.tracking_id)]);
  state.fresh = new Set([...(polling ? (state.fresh || []) : []), ...fresh.map((r) => r.tracking_id)]);
  state.rows = page.complaints;
  state.next = page.next;
  $("#inbox-news").textContent = fresh.length && polling ? `${fresh.length} aduan baru masuk.` : "";
  $("#inbox-holder").textContent = "· " + page.inbox;
  $("#inbox-from-cache").hidden = !resp.cached;
  $("#inbox-from-cache").textContent = resp.cached ? "Tanpa sinyal: ini salinan terakhir di perangkat ini." : "";
  renderBadges(page.counts, state.params);
  renderRows();
}

function renderBadges(counts, params) {
  const items = Object.entries(counts || {}).filter(([s, n]) => n > 0 && !FINAL.has(s));
  $("#badges").replaceChildren(...items.map(([s, n]) => {
    const q = new URLSearchParams(inboxQuery(params)); q.set("status", s);
    return el("li", {}, el("a", { href: "#/?" + q, class: `badge s-${s}`, text: `${STATUS[s] || s}: ${n}` }));
  }));
}

function renderRows() {
  const state = inboxState;
  const readOnly = state.params.get("shelf") === "forwarded";
  const bulk = role() === "admin" && !readOnly;
  $("#bulk").hidden = !bulk;
  const heads = [bulk ? "Pilih" : null, "Nomor", "Aduan", "Status", "Tenggat", "Eskalasi", "Kanal", "Petugas"].filter(Boolean);
  $("#inbox-head").replaceChildren(...heads.map((h) => el("th", { scope: "col", text: h })));
  $("#inbox-rows").replaceChildren(...state.rows.map((r) => {
    const due = deadlineText(r);
    const what = [r.title || r.category, r.kelurahan_code ? `kel. ${r.kelurahan_code}` : null].filter(Boolean).join(" · ");
    const pick = bulk ? el("td", { "data-label": "Pilih" }, el("input", { type: "checkbox", "aria-label": `Pilih ${r.tracking_id}`, checked: selected.has(r.tracking_id),
      onchange: (ev) => { if (ev.target.checked) selected.add(r.tracking_id); else selected.delete(r.tracking_id); bulkCount(); } })) : null;
    const td = (label, attrs, ...kids) => el("td", { "data-label": label, ...attrs }, ...kids);
    return el("tr", { class: state.fresh && state.fresh.has(r.tracking_id) ? "new" : null, "data-id": r.tracking_id, "data-shelf": readOnly ? "forwarded" : null },
      pick,
      td("Nomor", { class: "id" }, el("a", { href: "#/c/" + enc(r.tracking_id), text: r.tracking_id })),
      td("Aduan", {}, el("span", { text: what }), r.reopen_reason ? el("span", { class: "hint", text: " · dibuka kembali: " + r.reopen_reason }) : null),
      td("Status", {}, el("span", {}, badge(r.status, r.status_label), r.acknowledged ? null : el("span", { class: "hint", text: " belum diterima" }))),
      td("Tenggat", { class: due.late ? "late" : null, text: due.text }),
      td("Eskalasi", { text: rung(r.escalation_level) }),
      td("Kanal", { text: channelName(r.channel) }),
      td("Petugas", { text: readOnly ? "hanya baca" : r.assigned_to || "–" }));
  }));
  $("#inbox-empty").hidden = state.rows.length > 0;
  $("#inbox-more").hidden = !state.next;
  bulkCount();
}

async function moreRows() {
  const state = inboxState;
  const q = inboxQuery(state.params); q.set("cursor", state.next);
  const resp = await api("/v1/operator/complaints?" + q);
  if (resp.status !== 200) return;
  state.rows = state.rows.concat(resp.body.complaints);
  state.next = resp.body.next;
  for (const r of resp.body.complaints) state.seen.add(r.tracking_id);
  renderRows();
}

function bulkCount() { $("#bulk-count").textContent = `${selected.size} aduan dipilih`; }

/** The coordinator's bulk disposisi: each complaint with its own current version. */
async function bulkAct(make) {
  const out = [];
  for (const id of [...selected]) {
    const now = await api(`/v1/operator/complaints/${enc(id)}`);
    if (now.status !== 200) { out.push(`${id}: tidak ditemukan`); continue; }
    const resp = await api(`/v1/operator/complaints/${enc(id)}/actions`, { method: "POST", body: make(now.body), headers: { "If-Match": `"${now.body.version}"` } });
    out.push(resp.status === 200 ? `${id}: berhasil` : `${id}: ${problems(resp.body)}`);
    if (resp.status === 200) selected.delete(id);
  }
  $("#bulk-result").textContent = out.join("; ");
  await refreshInbox(false);
}

// -- one complaint ------------------------------------------------------------------------------------

let current = null;
let people = undefined; // [{user, unit, name}] or null when the hub has no list

async function loadPeople(unit) {
  if (people !== undefined && people.unit === unit) return people.list;
  let list = null;
  try {
    const resp = await api("/v1/operator/people" + (role() === "admin" && unit ? "?unit=" + enc(unit) : ""));
    if (resp.status === 200 && resp.body && Array.isArray(resp.body.people)) list = resp.body.people;
  } catch (e) { if (e instanceof SignedOut) throw e; }
  people = { unit, list };
  if (list) $("#people-list").replaceChildren(...list.map((p) => el("option", { value: p.user, text: p.name || p.user })));
  return list;
}

async function openComplaint(id) {
  const mine = routeSeq;
  show("view-complaint");
  $("#stale").hidden = true;
  if (!current || current.tracking_id !== id) { $("#act-result").textContent = ""; current = null; }
  $("#h-complaint").textContent = id;
  let resp;
  try { resp = await api(`/v1/operator/complaints/${enc(id)}`); } catch (e) {
    if (e instanceof NoAnswer) {
      $("#record").replaceChildren(el("p", { class: "note", text: "Tidak ada sinyal, dan aduan ini belum pernah dibuka di perangkat ini." }));
      $("#actions").replaceChildren(); $("#timeline").replaceChildren(); $("#nearby").replaceChildren();
      return;
    }
    throw e;
  }
  if (superseded(mine)) return;
  if (resp.status !== 200) {
    $("#record").replaceChildren(el("p", { class: "note", text: resp.status === 404 ? "Aduan tidak ditemukan, atau di luar wilayah Anda." : problems(resp.body) }));
    $("#actions").replaceChildren(); $("#timeline").replaceChildren(); $("#nearby").replaceChildren();
    return;
  }
  const unchanged = current && current.tracking_id === resp.body.tracking_id && current.version === resp.body.version
    && !current.fromCache && !resp.cached && $("#actions").hasChildNodes();
  current = resp.body;
  current.fromCache = Boolean(resp.cached);
  if (unchanged) return; // nothing new: what the operator is entering (a chosen photo too) stays as it is
  await loadPeople(current.unit && current.unit.code);
  renderComplaint();
  renderNearby(current);
  $("#h-complaint").focus && $("#main").focus();
}

function fact(dl, term, ...value) { dl.append(el("dt", { text: term }), el("dd", {}, ...value)); }

function renderComplaint() {
  const c = current;
  $("#h-complaint").textContent = `${c.tracking_id} · ${c.title || c.category}`;
  const dl = el("dl", { class: "facts" });
  const due = deadlineText(c);
  fact(dl, "Status", badge(c.status, c.status_label));
  fact(dl, "Tenggat", el("span", { class: due.late ? "late" : null, text: `${due.text}${c.deadline ? " (" + fmtDate(c.deadline) + ")" : ""}` }));
  fact(dl, "Eskalasi", rung(c.escalation_level));
  fact(dl, "Kanal", channelName(c.channel) + (c.channel_ref ? ` (${c.channel_ref})` : ""));
  fact(dl, "Kategori", c.category);
  fact(dl, "Unit", c.unit ? `${c.unit.name} (${c.unit.code})` : "–");
  fact(dl, "Ditugaskan", c.assigned_to || "–");
  fact(dl, "Diterima unit", c.acknowledged_at ? fmtDate(c.acknowledged_at) : "belum");
  fact(dl, "SP4N-LAPOR!", c.lapor_id ? `#${c.lapor_id}${c.lapor_status ? " · " + c.lapor_status : ""}` : "belum ada tiket");
  fact(dl, "Masuk", fmtDate(c.created_at));
  fact(dl, "Pelapor", c.anonymous ? "Anonim" : c.reporter ? [c.reporter.name, c.reporter.phone, c.reporter.email].filter(Boolean).join(" · ") || "–" : "–");
  if (c.confidential) fact(dl, "Rahasia", "Ya: isi jawaban tidak ditampilkan kepada publik");
  if (c.moved_from && c.moved_from.length) fact(dl, "Dipindahkan dari", c.moved_from.join(", "));
  if (c.duplicate_of) fact(dl, "Duplikat dari", el("a", { href: "#/c/" + enc(c.duplicate_of), text: c.duplicate_of }));
  if (c.possible_duplicate_of) fact(dl, "Mungkin sama dengan", el("a", { href: "#/c/" + enc(c.possible_duplicate_of), text: c.possible_duplicate_of }));
  if (c.rating_stars) fact(dl, "Penilaian pelapor", `${c.rating_stars}/5${c.rating_comment ? " · " + c.rating_comment : ""}`);
  if (c.proof_attachments && c.proof_attachments.length) fact(dl, "Foto bukti", `${c.proof_attachments.length} foto`);

  const parts = [];
  if (c.fromCache) parts.push(el("p", { class: "note", text: "Tanpa sinyal: ini salinan terakhir di perangkat ini." }));
  if (c.reopen_reason) parts.push(el("div", { class: "reopen" }, el("h2", { text: "Alasan pelapor membuka kembali" }), el("p", { class: "desc", text: c.reopen_reason })));
  parts.push(el("h2", { text: "Isi aduan" }), el("p", { class: "desc", text: c.description }), dl);
  if (Array.isArray(c.reporter_comments) && c.reporter_comments.length) {
    parts.push(el("h2", { text: "Tanggapan pelapor" }), el("ul", {}, ...c.reporter_comments.map((m) =>
      el("li", {}, el("span", { class: "hint", text: fmtDate(m.at) + " " }), el("span", { text: m.message || m.text || "" })))));
  }
  const photos = (c.photos || []).filter((p) => p && typeof p === "object" && p.url);
  if (photos.length) parts.push(el("h2", { text: "Foto" }), el("ul", { class: "photos", "aria-label": "Foto dari pelapor" }, ...photos.map((p) => el("li", {}, photoImg(p)))));
  parts.push(el("h2", { text: "Lokasi" }), placeBox(c));
  $("#record").replaceChildren(...parts);
  renderActions(c);
  renderTimeline(c);
}

/** A photo through the API with the operator's bearer (an <img> cannot send one): shown from a blob: URL. */
const photoSrc = new Map();
function photoImg(p) {
  const img = el("img", { alt: p.alt || `Foto ${p.number} dari pelapor`, width: 160, height: 120, "data-photo": p.number });
  const known = photoSrc.get(p.url);
  if (known) { img.src = known; return img; }
  if (!session) return img;
  fetch(p.url, { credentials: "omit", headers: { Authorization: "Bearer " + session.token, Accept: "image/jpeg" } })
    .then((r) => (r.ok ? r.blob() : null))
    .then((b) => { if (b) { const src = URL.createObjectURL(b); photoSrc.set(p.url, src); img.src = src; } })
    .catch(() => { /* no signal: the alt text stays */ });
  return img;
}

function placeBox(c) {
  const loc = c.location || {};
  const words = [loc.address, loc.kelurahan_code ? `kelurahan ${loc.kelurahan_code}` : null,
    loc.lat !== undefined && loc.lat !== null ? `${Number(loc.lat).toFixed(5)}, ${Number(loc.lon).toFixed(5)}` : null].filter(Boolean);
  const box = el("div", {}, el("p", { text: words.join(" · ") || "Tanpa lokasi" }));
  if (loc.lat !== undefined && loc.lat !== null) {
    box.append(el("p", {}, el("a", { href: `https://www.openstreetmap.org/?mlat=${loc.lat}&mlon=${loc.lon}#map=18/${loc.lat}/${loc.lon}`,
      rel: "noopener noreferrer", target: "_blank", text: "Buka titik di peta (OpenStreetMap)" })));
  }
  if (loc.kelurahan_code) {
    kelurahan().then((m) => {
      const here = m.kelurahan.find((k) => k.code === loc.kelurahan_code);
      if (!here) return;
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", m.viewBox); svg.setAttribute("class", "map"); svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `Peta kota: kelurahan ${here.name} ditandai`);
      for (const k of m.kelurahan) {
        const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
        p.setAttribute("d", k.path); if (k === here) p.setAttribute("class", "here");
        svg.append(p);
      }
      const at = mapPoint(m, loc);
      if (at) {
        const [, , w] = m.viewBox.split(" ").map(Number);
        const pin = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        pin.setAttribute("cx", String(at.x)); pin.setAttribute("cy", String(at.y)); pin.setAttribute("r", String(w / 60));
        pin.setAttribute("class", "pin");
        svg.append(pin);
        svg.setAttribute("aria-label", `Peta kota: kelurahan ${here.name} ditandai, titik aduan di dalamnya`);
      }
      box.append(svg);
    }).catch(() => {});
  }
  return box;
}

/** A complaint's lat/lon on the kelurahan map: the public page's tap-to-point (lapor.js), inverted. */
export function mapPoint(m, loc) {
  const pr = m && m.projection;
  if (!pr || !loc || loc.lat === undefined || loc.lat === null || loc.lon === undefined || loc.lon === null) return null;
  return { x: (Number(loc.lon) - pr.west) * pr.x_per_deg, y: (pr.north - Number(loc.lat)) * pr.y_per_deg };
}

function renderTimeline(c) {
  const kinds = { received: "Masuk", forwarded: "Diteruskan ke LAPOR!", status: "Status", acknowledged: "Diterima unit",
    assigned: "Penugasan", answer: "Jawaban", note: "Catatan internal", resolved: "Diselesaikan", rejected: "Ditolak",
    returned: "Bukan wewenang", reassigned: "Disposisi", duplicate: "Duplikat", confirmed: "Dikonfirmasi pusat panggilan",
    dismissed: "Bukan aduan", comment: "Tanggapan pelapor", reopened: "Dibuka kembali", rated: "Penilaian",
    followup: "Tindak lanjut di LAPOR!", escalated: "Eskalasi", overdue: "Terlambat", closed: "Ditutup", parked: "Ditahan" };
  $("#timeline").replaceChildren(...c.timeline.slice().reverse().map((t) => el("li", {},
    el("span", { class: "when", text: `${fmtDate(t.at)} · ${kinds[t.kind] || t.kind}${t.status ? " · " + (STATUS[t.status] || t.status) : ""}` }),
    t.public ? null : el("span", { class: "private", text: "Internal " }),
    t.actor ? el("span", { class: "hint", text: `${t.actor}${t.actor_unit ? " (" + t.actor_unit + ")" : ""}` }) : null,
    t.message ? el("p", { class: "msg", text: t.message }) : null,
    t.reason ? el("p", { class: "msg", text: "Alasan: " + t.reason }) : null)));
}

async function renderNearby(c) {
  const loc = c.location || {};
  if (loc.lat === undefined || loc.lat === null) { $("#nearby").replaceChildren(el("li", { text: "Tanpa titik lokasi." })); return; }
  try {
    const q = new URLSearchParams({ lat: String(loc.lat), lon: String(loc.lon), category: c.category });
    const resp = await fetch("/v1/complaints/nearby?" + q).then((r) => r.json());
    const found = (resp.complaints || []).filter((n) => n.tracking_id !== c.tracking_id);
    $("#nearby").replaceChildren(...(found.length ? found.map((n) => el("li", {},
      el("a", { href: "#/c/" + enc(n.tracking_id), text: n.tracking_id }),
      " " + [n.title || "", n.status_label, `${n.distance_m} m`].filter(Boolean).join(" · "))) : [el("li", { text: "Tidak ada." })]));
  } catch (e) { $("#nearby").replaceChildren(el("li", { text: "Tidak dapat dimuat." })); }
}

// -- actions ------------------------------------------------------------------------------------------

function section(title, ...kids) { return el("div", { class: "action" }, el("h2", { text: title }), ...kids); }
function field(label, box, hint) {
  return el("div", { class: "field" }, el("label", { for: box.id, text: label }), box, hint ? el("p", { class: "hint", text: hint }) : null);
}

function renderActions(c) {
  const can = new Set(c.allowed_actions || []);
  const id = c.tracking_id;
  const out = [];
  if (can.has("acknowledge")) out.push(section("Terima aduan", el("button", { type: "button", class: "primary", text: "Terima", onclick: (ev) => act(ev, { action: "acknowledge" }) })));
  if (can.has("confirm") || can.has("dismiss")) {
    const reason = draftBox(id, "dismiss", { type: "text" }, "input");
    out.push(section("Keputusan pusat panggilan",
      can.has("confirm") ? el("button", { type: "button", class: "primary", text: "Konfirmasi aduan", onclick: (ev) => act(ev, { action: "confirm" }) }) : null,
      can.has("dismiss") ? field("Alasan bukan aduan (tidak wajib)", reason) : null,
      can.has("dismiss") ? el("button", { type: "button", class: "danger", text: "Bukan aduan",
        onclick: (ev) => act(ev, { action: "dismiss", ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }, ["dismiss"]) }) : null));
  }
  if (can.has("respond")) {
    const box = draftBox(id, "answer", { rows: 4 });
    const pick = el("select", { id: `tpl-${id}` }, el("option", { value: "", text: "– tanpa templat –" }));
    let chosen = SS.getItem(draftKey(id, "template")) || "";
    pick.addEventListener("change", () => {
      const t = (pick.templates || []).find((x) => x.id === pick.value);
      chosen = t ? t.id : "";
      SS.setItem(draftKey(id, "template"), chosen);
      if (t) { box.value = box.value.trim() ? box.value + "\n" + t.text : t.text; SS.setItem(draftKey(id, "answer"), box.value); box.focus(); }
    });
    templates(c.category).then((list) => { pick.templates = list; for (const t of list) pick.append(el("option", { value: t.id, text: t.title })); if (chosen) pick.value = chosen; });
    out.push(section("Jawaban untuk pelapor",
      field("Mulai dari templat", pick),
      field("Jawaban untuk pelapor", box, "Dibaca pelapor dan dikirim ke SP4N-LAPOR!."),
      el("button", { type: "button", class: "primary", text: "Kirim jawaban", onclick: (ev) => {
        const text = box.value.trim();
        if (!text) { note("Tulis jawaban dahulu."); box.focus(); return; }
        act(ev, { action: "respond", message: text, ...(chosen ? { template_id: chosen } : {}) }, ["answer", "template"], true);
      } })));
  }
  if (can.has("assign")) {
    const list = people && people.list;
    let who;
    if (list && list.length) {
      who = el("select", { id: `assignee-${id}` }, ...list.map((p) => el("option", { value: p.user, text: p.name ? `${p.name} (${p.user})` : p.user })));
      if (c.assigned_to) who.value = c.assigned_to;
    } else who = draftBox(id, "assignee", { type: "text", autocomplete: "off" }, "input");
    out.push(section("Tugaskan",
      field("Tugaskan kepada", who, list ? null : "Nama pengguna rekan di unit ini."),
      el("button", { type: "button", class: "secondary", text: "Tugaskan", onclick: (ev) => {
        if (!who.value.trim()) { who.focus(); return; }
        act(ev, { action: "assign", assignee: who.value.trim() }, ["assignee"]);
      } })));
  }
  if (can.has("note")) {
    const box = draftBox(id, "note", { rows: 3 });
    const list = (people && people.list) || [];
    const mentions = el("div", { class: "mentions" }, ...list.filter((p) => p.user !== myUser()).slice(0, 12).map((p) =>
      el("button", { type: "button", class: "link", text: "@" + p.user, "aria-label": `Sebut ${p.name || p.user}`, onclick: () => {
        box.value = (box.value && !box.value.endsWith(" ") ? box.value + " " : box.value) + "@" + p.user + " ";
        SS.setItem(draftKey(id, "note"), box.value); box.focus();
      } })));
    out.push(section("Catatan internal",
      field("Catatan internal", box, "Hanya dibaca petugas. Sebut rekan dengan @nama; ia diberi tahu."),
      list.length ? mentions : null,
      el("button", { type: "button", class: "secondary", text: "Simpan catatan", onclick: (ev) => {
        const text = box.value.trim(); if (!text) { box.focus(); return; }
        act(ev, { action: "note", message: text }, ["note"], true);
      } })));
  }
  if (can.has("resolve")) {
    const box = draftBox(id, "resolve", { rows: 3 });
    const photo = el("input", { type: "file", id: `proof-${id}`, accept: "image/*", capture: "environment",
      onchange: () => (photo.files && photo.files[0] ? chosenProofs.set(id, { file: photo.files[0] }) : chosenProofs.delete(id)) });
    keepChosenProof(id, photo);
    const pick = templatePicker(c, box, "resolve");
    box.templatePick = pick;
    out.push(section("Selesaikan",
      field("Mulai penyelesaian dari templat", pick),
      field("Jawaban penyelesaian", box, "Dibaca pelapor: apa yang sudah dikerjakan."),
      field("Foto bukti (tidak wajib)", photo),
      el("button", { type: "button", class: "primary", text: "Selesaikan", onclick: (ev) => resolveWithProof(ev, box, photo) })));
  }
  if (can.has("not-ours")) {
    const box = draftBox(id, "notours", { rows: 2 });
    out.push(section("Bukan wewenang unit ini",
      field("Alasan bukan wewenang", box, "Dikembalikan ke koordinator untuk disposisi."),
      el("button", { type: "button", class: "danger", text: "Bukan wewenang", onclick: (ev) => {
        if (box.value.trim().length < 3) { note("Tulis alasannya (minimal 3 huruf)."); box.focus(); return; }
        act(ev, { action: "not-ours", reason: box.value.trim() }, ["notours"]);
      } })));
  }
  if (can.has("reassign")) {
    const unit = draftBox(id, "unit", { type: "text", placeholder: "opd:dpupr", autocomplete: "off" }, "input");
    const why = draftBox(id, "reassignwhy", { rows: 2 });
    out.push(section("Disposisi ke unit lain",
      field("Unit tujuan", unit, "Kode unit: opd:…, kec:…, kel:…"),
      field("Alasan disposisi", why),
      el("button", { type: "button", class: "primary", text: "Teruskan", onclick: (ev) => {
        if (!unit.value.trim()) { unit.focus(); return; }
        act(ev, { action: "reassign", unit: unit.value.trim(), ...(why.value.trim() ? { reason: why.value.trim() } : {}) }, ["unit", "reassignwhy"]);
      } })));
  }
  if (can.has("duplicate-of")) {
    const orig = draftBox(id, "dup", { type: "text", placeholder: `${document.documentElement.dataset.prefix}-XXXX-XXXX`, autocomplete: "off" }, "input");
    out.push(section("Duplikat",
      field("Nomor lacak aduan asli", orig),
      el("button", { type: "button", class: "secondary", text: "Tandai duplikat", onclick: (ev) => {
        if (!orig.value.trim()) { orig.focus(); return; }
        act(ev, { action: "duplicate-of", duplicate_of: orig.value.trim().toUpperCase() }, ["dup"]);
      } })));
  }
  if (can.has("reject")) {
    const box = draftBox(id, "reject", { rows: 2 });
    out.push(section("Tolak aduan",
      field("Alasan penolakan", box, "Dibaca pelapor."),
      el("button", { type: "button", class: "danger", text: "Tolak aduan", onclick: (ev) => {
        if (box.value.trim().length < 3) { box.focus(); return; }
        act(ev, { action: "reject", reason: box.value.trim() }, ["reject"]);
      } })));
  }
  if (!out.length) out.push(el("p", { class: "note", text: "Tidak ada tindakan yang dapat Anda lakukan pada status ini." }));
  $("#actions").replaceChildren(...out);
}

/** A template list for an answer box: choosing one fills the box; the action then names it (`template_id`). */
function templatePicker(c, box, field) {
  const id = c.tracking_id;
  const pick = el("select", { id: `tpl-${field}-${id}` }, el("option", { value: "", text: "– tanpa templat –" }));
  pick.chosen = SS.getItem(draftKey(id, `template-${field}`)) || "";
  pick.addEventListener("change", () => {
    const t = (pick.templates || []).find((x) => x.id === pick.value);
    pick.chosen = t ? t.id : "";
    SS.setItem(draftKey(id, `template-${field}`), pick.chosen);
    if (t) { box.value = box.value.trim() ? box.value + "\n" + t.text : t.text; SS.setItem(draftKey(id, field), box.value); box.focus(); }
  });
  templates(c.category).then((list) => { pick.templates = list; for (const t of list) pick.append(el("option", { value: t.id, text: t.title })); if (pick.chosen) pick.value = pick.chosen; });
  return pick;
}

const templateCache = new Map();
async function templates(category) {
  if (!templateCache.has(category)) {
    try {
      const resp = await api("/v1/operator/templates?category=" + enc(category));
      templateCache.set(category, resp.status === 200 ? resp.body.templates : []);
    } catch (e) { return []; }
  }
  return templateCache.get(category);
}

/** One action with the version the operator saw (If-Match); a stale one shows what changed and keeps the text. */
async function act(ev, body, fields = [], queueable = false) {
  const button = ev && ev.currentTarget;
  const c = current;
  if (button) button.disabled = true;
  try {
    if (queueable && !navigator.onLine) { queue(c, body, fields); return; }
    let resp;
    try {
      resp = await post(c, body);
    } catch (e) {
      if (e instanceof NoAnswer && queueable) { queue(c, body, fields); return; }
      if (e instanceof NoAnswer) { note("Tidak ada sinyal. Tulisan Anda tetap tersimpan; coba lagi saat tersambung."); return; }
      throw e;
    }
    if (resp.status === 200) {
      forget(c.tracking_id, ...fields);
      if (body.action === "resolve") chosenProofs.delete(c.tracking_id);
      current = resp.body;
      renderComplaint();
      note(`Tersimpan: ${ACTIONS[body.action]}.`);
      return;
    }
    if (resp.status === 409 && resp.body && resp.body.error === "stale_version") { await showStale(c.version); return; }
    if (resp.status === 409 && resp.body && resp.body.error === "action_not_allowed") {
      note(problems(resp.body));
      await showStale(c.version);
      return;
    }
    note(problems(resp.body));
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

async function post(c, body) {
  const path = `/v1/operator/complaints/${enc(c.tracking_id)}/actions`;
  const headers = { "If-Match": `"${c.version}"` };
  let resp = await api(path, { method: "POST", body, headers });
  if (resp.status === 400 && body.template_id && JSON.stringify(resp.body || {}).includes("template_id")) {
    const { template_id: _unused, ...plain } = body; // a hub without templates by id: the text alone
    resp = await api(path, { method: "POST", body: plain, headers });
  }
  return resp;
}

function queue(c, body, fields) {
  enqueue(c.tracking_id, body, c.version, fields);
  for (const f of fields) { const box = document.getElementById(`${f}-${c.tracking_id}`); if (box) box.value = ""; }
  note("Tidak ada sinyal: tulisan Anda menunggu sinyal dan dikirim sekali saat tersambung lagi.");
}

/** Someone acted first: show what changed since the version this page showed; the typed text stays. */
async function showStale(seenVersion) {
  const before = current;
  const resp = await api(`/v1/operator/complaints/${enc(before.tracking_id)}`);
  if (resp.status !== 200) return;
  const after = resp.body;
  const changes = [];
  const pairs = [["status", "Status", (v) => STATUS[v] || v], ["assigned_to", "Ditugaskan", (v) => v || "–"],
    ["acknowledged_at", "Diterima unit", (v) => (v ? fmtDate(v) : "belum")], ["escalation_level", "Eskalasi", rung],
    ["deadline", "Tenggat", fmtDate], ["unit", "Unit", (v) => (v ? v.name : "–")]];
  for (const [k, label, f] of pairs) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes.push(`${label}: ${f(before[k])} → ${f(after[k])}`);
  }
  const known = new Set(before.timeline.map((t) => t.at + t.kind + (t.message || "")));
  for (const t of after.timeline) {
    if (!known.has(t.at + t.kind + (t.message || ""))) {
      changes.push(`${fmtDate(t.at)} ${t.actor || ""}: ${t.message || t.reason || t.kind}`.replace(/\s+/g, " "));
    }
  }
  current = after;
  renderComplaint();
  const box = $("#stale");
  box.replaceChildren(
    el("h2", { text: "Aduan ini sudah diubah orang lain" }),
    el("p", { text: `Anda melihat versi ${seenVersion}; sekarang versi ${after.version}. Tulisan Anda tidak hilang: periksa perubahan di bawah, lalu kirim lagi bila masih perlu.` }),
    el("ul", {}, ...(changes.length ? changes : ["(tidak ada perubahan yang terlihat)"]).map((t) => el("li", { text: t }))));
  box.hidden = false;
  box.setAttribute("tabindex", "-1");
  box.focus();
}

function keepChosenProof(id, input) {
  const kept = chosenProofs.get(id);
  if (!kept) return;
  try { const dt = new DataTransfer(); dt.items.add(kept.file); input.files = dt.files; } catch (e) { /* shown on send */ }
}

/** A proof photo up through the hub's presigned form; its key for `resolve`. NoAnswer without a signal. */
async function uploadProof(trackingId, blob) {
  const form = await api(`/v1/operator/complaints/${enc(trackingId)}/attachments`, { method: "POST", body: { filename: "bukti.jpg", content_type: blob.type } });
  if (form.status !== 201) throw new Error(problems(form.body));
  const data = new FormData();
  for (const [k, v] of Object.entries(form.body.upload.fields)) data.append(k, v);
  data.append("file", blob, "bukti.jpg");
  let up;
  try { up = await fetch(form.body.upload.url, { method: "POST", body: data, credentials: "omit" }); } catch (e) { throw new NoAnswer(String(e)); }
  if (!up.ok) throw new Error("Foto bukti tidak terunggah. Coba foto yang lebih kecil.");
  return form.body.key;
}

/** A kept photo back as a Blob (decoded here: the policy lets fetch() read no data: URL). */
function blobOf(dataUrl) {
  const [head, b64] = dataUrl.split(",");
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: head.slice(5, head.indexOf(";")) });
}

const asDataUrl = (blob) => new Promise((ok, bad) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = bad; r.readAsDataURL(blob); });

async function resolveWithProof(ev, box, photo) {
  const c = current;
  const text = box.value.trim();
  if (!text) { note("Tulis jawaban penyelesaian dahulu."); box.focus(); return; }
  const tpl = box.templatePick && box.templatePick.chosen ? { template_id: box.templatePick.chosen } : {};
  const fields = ["resolve", "template-resolve"];
  const kept = chosenProofs.get(c.tracking_id);
  const file = (photo.files && photo.files[0]) || (kept && kept.file);
  if (!file) { await act(ev, { action: "resolve", message: text, ...tpl }, fields, true); return; }
  const chosen = kept && kept.file === file ? kept : { file }; // a photo picked anew goes up anew
  chosenProofs.set(c.tracking_id, chosen);
  let blob = null;
  let attachment = chosen.key;
  try {
    if (!attachment) {
      note("Mengunggah foto bukti…");
      blob = await shrink(file);
      if (!navigator.onLine) throw new NoAnswer("offline");
      attachment = await uploadProof(c.tracking_id, blob);
      chosen.key = attachment;
    }
  } catch (e) {
    if (e instanceof SignedOut) return;
    if (!(e instanceof NoAnswer)) { note(e.message); return; }
    // no signal: the photo waits with the answer in this tab, and goes up first when the signal returns
    try {
      enqueue(c.tracking_id, { action: "resolve", message: text, ...tpl }, c.version, fields, await asDataUrl(blob));
    } catch (full) { note("Foto terlalu besar untuk disimpan tanpa sinyal; kirim saat tersambung."); return; }
    box.value = "";
    photo.value = "";
    chosenProofs.delete(c.tracking_id);
    note("Tidak ada sinyal: penyelesaian dan fotonya menunggu sinyal, lalu dikirim sekali.");
    return;
  }
  await act(ev, { action: "resolve", message: text, attachment, ...tpl }, fields);
}

/** A phone's photo made small enough for a slow link: JPEG, at most 1600 px on the long side. */
async function shrink(file) {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((ok) => canvas.toBlob((b) => ok(b || file), "image/jpeg", 0.82));
  } catch (e) { return file; }
}

// -- templates: the coordinator edits them per category and unit, everyone reads their history --------

let categories = null;
async function categoryList() {
  if (!categories) {
    try { categories = (await fetch("/v1/categories").then((r) => r.json())).categories || []; } catch (e) { return []; }
  }
  return categories;
}

async function openTemplates(params) {
  show("view-templates");
  const coordinator = role() === "admin";
  $("#tpl-form").hidden = !coordinator;
  for (const sel of ["#tpl-category", "#tpl-form-category"]) {
    const box = $(sel);
    if (box.options.length < 2) for (const c of await categoryList()) box.append(el("option", { value: c.code, text: c.name }));
  }
  const cat = params.get("category") || "";
  $("#tpl-category").value = cat;
  await listTemplates(cat);
}

async function listTemplates(cat) {
  const resp = await api("/v1/operator/templates" + (cat ? "?category=" + enc(cat) : ""));
  if (resp.status !== 200) { $("#tpl-result").textContent = problems(resp.body); return; }
  const rows = resp.body.templates;
  $("#tpl-list").replaceChildren(...(rows.length ? rows.map(templateItem) : [el("li", { text: "Belum ada templat." })]));
}

function templateItem(t) {
  const where = [t.category || "semua kategori", t.unit || "semua unit"].join(" · ");
  const changed = t.updated_by ? ` · diubah ${t.updated_by}, ${fmtDate(t.updated_at)}` : " · dari data awal";
  return el("li", { "aria-labelledby": `tplh-${t.id}`, "data-template": t.id },
    el("h2", { id: `tplh-${t.id}`, text: t.title }),
    el("p", { class: "hint", text: `${t.id} · ${where}${changed}` }),
    el("p", { class: "desc", text: t.text }),
    el("div", { class: "row" },
      role() === "admin" ? el("button", { type: "button", class: "secondary", text: "Ubah", "aria-label": `Ubah templat ${t.title}`, onclick: () => editTemplate(t) }) : null,
      el("button", { type: "button", class: "secondary", text: "Riwayat", "aria-label": `Riwayat templat ${t.title}`, onclick: () => templateHistory(t.id) })));
}

function editTemplate(t) {
  $("#tpl-id").value = t.id;
  $("#tpl-title").value = t.title;
  $("#tpl-form-category").value = t.category || "";
  $("#tpl-unit").value = t.unit || "";
  $("#tpl-text").value = t.text;
  $("#tpl-text").focus();
}

async function saveTemplate(ev) {
  ev.preventDefault();
  const id = $("#tpl-id").value.trim();
  const body = { title: $("#tpl-title").value.trim(), text: $("#tpl-text").value.trim(),
    category: $("#tpl-form-category").value || null, unit: $("#tpl-unit").value.trim() || null };
  if (!id || !body.title || !body.text) { $("#tpl-result").textContent = "Isi kode, judul dan teks templat."; return; }
  const resp = await api("/v1/operator/templates/" + enc(id), { method: "PUT", body });
  if (resp.status !== 200) { $("#tpl-result").textContent = problems(resp.body); return; }
  templateCache.clear(); // the answer forms read the new text
  $("#tpl-result").textContent = `Templat tersimpan: ${resp.body.title}.`;
  $("#tpl-category").value = resp.body.category || "";
  await listTemplates(resp.body.category || "");
  await templateHistory(resp.body.id);
}

async function templateHistory(id) {
  const resp = await api(`/v1/operator/templates/${enc(id)}/history`);
  if (resp.status !== 200) { $("#tpl-result").textContent = problems(resp.body); return; }
  const changes = resp.body.changes;
  $("#h-tpl-history").textContent = `Riwayat templat ${id}`;
  $("#tpl-history").replaceChildren(...(changes.length ? changes.slice().reverse().map((ch) => el("li", {},
    el("span", { class: "when", text: `${fmtDate(ch.at)} · ${ch.action === "created" ? "dibuat" : "diubah"} oleh ${ch.by}` }),
    ch.before ? el("p", { class: "msg", text: "Sebelum: " + (ch.before.text || "") }) : null,
    el("p", { class: "msg", text: "Sesudah: " + ((ch.after && ch.after.text) || "") }))) : [el("li", { text: "Belum pernah diubah (dari data awal)." })]));
  $("#tpl-history-box").hidden = false;
}

// -- each person's notices -----------------------------------------------------------------------------

const EVENTS = ["new_complaint", "due_tomorrow", "escalated", "mentioned"];

async function openNotify() {
  show("view-notify");
  const form = $("#notify-form");
  $("#notify-result").textContent = "";
  form.setAttribute("aria-busy", "true"); // the saved choice fills the form: nothing typed before it is lost
  delete form.dataset.ready;
  const resp = await api("/v1/operator/notifications");
  form.removeAttribute("aria-busy");
  if (resp.status !== 200) { $("#notify-result").textContent = problems(resp.body); return; }
  fillNotify(resp.body);
  form.dataset.ready = "true";
}

function fillNotify(prefs) {
  $("#notify-email").value = prefs.email || "";
  for (const ev of EVENTS) $(`#ev-${ev}`).checked = Boolean(prefs.events && prefs.events[ev]);
  $("#notify-digest").checked = Boolean(prefs.digest);
}

async function saveNotify(ev) {
  ev.preventDefault();
  const email = $("#notify-email").value.trim();
  const body = { email: email || null, events: Object.fromEntries(EVENTS.map((e) => [e, $(`#ev-${e}`).checked])), digest: $("#notify-digest").checked };
  let resp;
  try { resp = await api("/v1/operator/notifications", { method: "PUT", body }); } catch (e) {
    if (e instanceof NoAnswer) { $("#notify-result").textContent = "Tidak ada sinyal. Coba lagi saat tersambung."; return; }
    throw e;
  }
  if (resp.status !== 200) { $("#notify-result").textContent = problems(resp.body); return; }
  fillNotify(resp.body);
  $("#notify-result").textContent = "Pilihan pemberitahuan tersimpan.";
}

// -- the unit's addresses: the coordinator's ------------------------------------------------------------

/** Every unit the console knows: the kelurahan and their kecamatan (the region's map), the OPD (the categories). */
async function unitChoices() {
  if (unitChoices.done) return;
  const groups = { kel: [], kec: new Map(), opd: new Set() };
  try {
    for (const k of (await kelurahan()).kelurahan) {
      groups.kel.push([`kel:${k.code}`, k.name]);
      if (k.kecamatan) groups.kec.set(`kec:${k.kecamatan}`, `Kecamatan ${k.kecamatan}`);
    }
    const cats = await fetch("/v1/categories").then((r) => r.json());
    for (const c of cats.categories || []) if (c.unit && c.unit.startsWith("opd:")) groups.opd.add(c.unit);
  } catch (e) { return; } // offline without a copy: the list waits for the next visit
  unitChoices.done = true;
  const byName = (a, b) => a[1].localeCompare(b[1], "id");
  const group = (label, items) => el("optgroup", { label }, ...items.sort(byName).map(([v, t]) => el("option", { value: v, text: `${t} (${v})` })));
  $("#unitmail-unit").append(
    group("Kelurahan", groups.kel),
    group("Kecamatan", [...groups.kec]),
    group("OPD", [...groups.opd].map((u) => [u, u.slice(4).toUpperCase()])));
}

function unitMailErrors(body) {
  for (const f of ["unit", "emails", "digest"]) $(`#unitmail-${f}-error`).textContent = "";
  const left = [];
  for (const e of (body && body.errors) || []) {
    const name = String(e.field || "").split(/[.[]/)[0];
    const box = $(`#unitmail-${name}-error`);
    const text = e.message_id || e.message || "";
    if (box && ["unit", "emails", "digest"].includes(name)) box.textContent = [box.textContent, text].filter(Boolean).join(" ");
    else left.push(text);
  }
  return left.join(" ") || (body && body.errors ? "" : problems(body));
}

/** The unit's path; its ':' stays as it is (the API reads the unit code from the path undecoded). */
const unitMailPath = (unit) => `/v1/operator/units/${enc(unit).replace(/%3A/gi, ":")}/notifications`;

async function openUnitMail(params) {
  show("view-unitmail");
  $("#unitmail-result").textContent = "";
  $("#unitmail-form").hidden = true;
  if (role() !== "admin") { $("#unitmail-result").textContent = "Hanya koordinator yang mengatur alamat unit."; return; }
  await unitChoices();
  const unit = params.get("unit") || "";
  $("#unitmail-unit").value = unit;
  unitMailErrors(null);
  if (!unit) return;
  const resp = await api(unitMailPath(unit));
  if (resp.status !== 200) { $("#unitmail-result").textContent = unitMailErrors(resp.body) || "Unit tidak dapat dibuka."; return; }
  fillUnitMail(resp.body);
  $("#unitmail-form").hidden = false;
}

function fillUnitMail(record) {
  $("#unitmail-emails").value = (record.emails || []).join("\n");
  $("#unitmail-digest").checked = Boolean(record.digest);
}

async function saveUnitMail(ev) {
  ev.preventDefault();
  const unit = $("#unitmail-unit").value;
  const emails = $("#unitmail-emails").value.split("\n").map((e) => e.trim()).filter(Boolean);
  let resp;
  try {
    resp = await api(unitMailPath(unit), { method: "PUT", body: { emails, digest: $("#unitmail-digest").checked } });
  } catch (e) {
    if (e instanceof NoAnswer) { $("#unitmail-result").textContent = "Tidak ada sinyal. Coba lagi saat tersambung."; return; }
    throw e;
  }
  const left = unitMailErrors(resp.status === 200 ? null : resp.body);
  if (resp.status !== 200) { $("#unitmail-result").textContent = left || "Periksa isian yang ditandai."; return; }
  fillUnitMail(resp.body);
  $("#unitmail-result").textContent = `Alamat unit tersimpan: ${resp.body.emails.length} alamat.`;
}

// -- the board: supervisors and the coordinator ------------------------------------------------------

async function openBoard(params) {
  const mine = routeSeq;
  show("view-board");
  $("#board").replaceChildren(); // another unit's numbers never stay on screen meanwhile
  const unit = params.get("unit") || "";
  $("#board-unit").value = unit;
  const q = (extra) => { const s = new URLSearchParams(extra); if (unit) s.set("unit", unit); return s; };
  const [all, late, urgent] = await Promise.all([
    api("/v1/operator/complaints?" + q({ limit: "1" })),
    api("/v1/operator/complaints?" + q({ overdue: "true", sort: "urgent", limit: "100" })),
    api("/v1/operator/complaints?" + q({ sort: "urgent", limit: "100" })),
  ]);
  if (superseded(mine)) return;
  if (all.status !== 200) { $("#board").replaceChildren(el("p", { text: problems(all.body) })); return; }
  const holder = all.body.inbox;
  const open = Object.entries(all.body.counts).filter(([s]) => !FINAL.has(s)).reduce((n, [, v]) => n + v, 0);
  const overdue = late.status === 200 ? `${late.body.complaints.length}${late.body.next ? "+" : ""}` : "–";
  const rows = urgent.status === 200 ? urgent.body.complaints : [];
  const oldest = rows.filter((r) => !FINAL.has(r.status)).sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
  let onTime = "–";
  try {
    const stats = await fetch("/v1/stats/units/" + enc(holder)).then((r) => (r.ok ? r.json() : null));
    const win = stats && Object.values(stats.windows || {}).find((w) => w && w.resolved_on_time_share !== null && w.resolved_on_time_share !== undefined);
    if (win) onTime = `${fmtNum(win.resolved_on_time_share * 100)}%`;
  } catch (e) { /* the figures are public and may be missing for an inbox that is no unit */ }
  if (superseded(mine)) return;
  const cell = (term, value, href) => el("div", {}, el("dt", { text: term }), el("dd", {}, el("a", { href, text: value })));
  const age = oldest ? `${Math.floor((Date.now() - Date.parse(oldest.created_at)) / 86400000)} hari` : "–";
  $("#board").replaceChildren(
    cell("Terbuka", String(open), "#/?" + q({})),
    cell("Terlambat", overdue, "#/?" + q({ overdue: "true", sort: "urgent" })),
    cell("Dijawab tepat waktu", onTime, "#/?" + q({ status: "resolved" })),
    cell("Terlama menunggu", age, oldest ? "#/c/" + enc(oldest.tracking_id) : "#/?" + q({ sort: "urgent" })));
}

// -- the call centres: confirm or dismiss their calls, keyboard first ---------------------------------

async function openCalls() {
  show("view-calls");
  await refreshCalls();
  pollTimer = setInterval(() => { if (!document.hidden) refreshCalls().catch(() => {}); }, POLL_MS);
}

async function refreshCalls() {
  const resp = await api("/v1/operator/complaints?status=awaiting_confirmation&limit=100");
  if (resp.status !== 200) { $("#calls-result").textContent = problems(resp.body); return; }
  const list = $("#calls");
  const focused = document.activeElement && list.contains(document.activeElement);
  list.replaceChildren(...(resp.body.complaints.length ? resp.body.complaints.map(callItem) : [el("li", { text: "Tidak ada panggilan yang menunggu." })]));
  if (focused) { const first = list.querySelector("button"); if (first) first.focus(); }
}

function callItem(r) {
  const reason = el("input", { id: `why-${r.tracking_id}`, type: "text", autocomplete: "off" });
  const decide = async (ev, body) => {
    const button = ev.currentTarget;
    button.disabled = true;
    const now = await api(`/v1/operator/complaints/${enc(r.tracking_id)}`);
    const resp = now.status === 200
      ? await api(`/v1/operator/complaints/${enc(r.tracking_id)}/actions`, { method: "POST", body, headers: { "If-Match": `"${now.body.version}"` } })
      : now;
    const li = button.closest("li");
    const next = li && li.nextElementSibling && li.nextElementSibling.querySelector("button");
    if (resp.status === 200) {
      $("#calls-result").textContent = `${r.tracking_id}: ${body.action === "confirm" ? "dikonfirmasi sebagai aduan" : "ditandai bukan aduan"}.`;
      li.remove();
      if (next) next.focus(); else $("#calls-result").focus();
    } else { $("#calls-result").textContent = `${r.tracking_id}: ${problems(resp.body)}`; button.disabled = false; }
  };
  return el("li", { "aria-labelledby": `call-${r.tracking_id}` },
    el("h2", { id: `call-${r.tracking_id}` }, el("a", { href: "#/c/" + enc(r.tracking_id), text: r.tracking_id })),
    el("p", { text: `${fmtDate(r.created_at)} · ${r.title || r.category}${r.kelurahan_code ? " · kel. " + r.kelurahan_code : ""}` }),
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", text: "Konfirmasi aduan", "aria-describedby": `call-${r.tracking_id}`,
        onclick: (ev) => decide(ev, { action: "confirm" }) }),
      el("div", { class: "field" }, el("label", { for: reason.id, text: "Alasan bukan aduan (tidak wajib)" }), reason),
      el("button", { type: "button", class: "danger", text: "Bukan aduan", "aria-describedby": `call-${r.tracking_id}`,
        onclick: (ev) => decide(ev, { action: "dismiss", ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }) })));
}

// -- start ----------------------------------------------------------------------------------------------

function wire() {
  // a request that found the session expired has already asked to sign in again: nothing more to report
  window.addEventListener("unhandledrejection", (ev) => { if (ev.reason instanceof SignedOut) ev.preventDefault(); });
  $("#signin-go").addEventListener("click", () => startSignIn());
  $("#signout").addEventListener("click", () => signOut());
  $("#filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    const q = new URLSearchParams();
    for (const k of ["status", "channel", "category", "kelurahan_code", "unit"]) if (f[k] && f[k].value.trim()) q.set(k, f[k].value.trim());
    if (f.sort.value !== "newest") q.set("sort", f.sort.value);
    if (f.overdue.checked) q.set("overdue", "true");
    if (f.assigned_to.checked) q.set("assigned_to", "me");
    location.hash = "#/?" + q;
  });
  $("#inbox-more").addEventListener("click", () => moreRows());
  $("#bulk-assign").addEventListener("click", () => {
    const who = $("#bulk-assignee").value.trim();
    if (!who || !selected.size) { $("#bulk-result").textContent = "Pilih aduan dan isi petugasnya."; return; }
    bulkAct(() => ({ action: "assign", assignee: who }));
  });
  $("#bulk-reassign").addEventListener("click", () => {
    const unit = $("#bulk-unit").value.trim(), why = $("#bulk-reason").value.trim();
    if (!unit || !selected.size) { $("#bulk-result").textContent = "Pilih aduan dan isi unit tujuan."; return; }
    bulkAct(() => ({ action: "reassign", unit, ...(why ? { reason: why } : {}) }));
  });
  $("#board-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const unit = $("#board-unit").value.trim();
    location.hash = "#/papan" + (unit ? "?unit=" + enc(unit) : "");
  });
  $("#tpl-pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const cat = $("#tpl-category").value;
    location.hash = "#/templat" + (cat ? "?category=" + enc(cat) : "");
  });
  $("#tpl-form").addEventListener("submit", (ev) => saveTemplate(ev));
  $("#notify-form").addEventListener("submit", (ev) => saveNotify(ev));
  $("#unitmail-pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const unit = $("#unitmail-unit").value;
    location.hash = "#/alamat-unit" + (unit ? "?unit=" + enc(unit) : "");
  });
  $("#unitmail-form").addEventListener("submit", (ev) => saveUnitMail(ev));
  window.addEventListener("hashchange", () => route());
  window.addEventListener("online", () => { $("#offline").hidden = true; flush(); });
  window.addEventListener("offline", () => { $("#offline").hidden = false; $("#offline").textContent = "Tanpa sinyal: menampilkan salinan terakhir; tulisan menunggu sinyal."; });
  setInterval(() => flush(), FLUSH_MS);
}

function showWho() {
  $("#who").hidden = false;
  $("#who-name").textContent = `${myUser()} · ${role()} · ${myUnit()}`;
  $("#nav").hidden = false;
  $("#nav-board").hidden = !["supervisor", "admin"].includes(role());
  $("#nav-calls").hidden = role() !== "callcenter" && role() !== "admin";
  $("#nav-templates").hidden = role() !== "admin";
  $("#nav-unitmail").hidden = role() !== "admin";
  $("#f-unit-field").hidden = !["supervisor", "admin"].includes(role());
  $("#signin").hidden = true;
}

async function start() {
  wire();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/operator/sw.js", { scope: "/operator/" }).catch(() => {});
  try { await loadConfig(); } catch (e) { config = null; }
  if (config) await finishSignIn();
  loadSession();
  showOutbox();
  if (!navigator.onLine) window.dispatchEvent(new Event("offline"));
  if (!session) {
    if (!document.querySelector("#signin-why").textContent) showSignIn(config ? "" : "Tidak ada sinyal: masuk memerlukan sambungan.");
  } else {
    showWho();
    const mine = session;
    setTimeout(() => { if (session === mine) expire(); }, Math.max(0, mine.claims.exp * 1000 - Date.now()));
    if (role() === "callcenter" && (!location.hash || location.hash === "#/")) history.replaceState(null, "", "#/panggilan");
    await route();
    flush();
  }
  document.body.dataset.ready = "true";
}

start();

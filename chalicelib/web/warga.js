/* Shared by the citizens' pages (/lapor/, /lacak/): plain ES module, no framework, no third-party request.
   Everything people wrote is set with textContent, never as HTML. */

export const $ = (sel, root) => (root || document).querySelector(sel);

export function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) node.append(kid);
  return node;
}

export const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString("id-ID", { timeZone: "Asia/Jakarta",
  dateStyle: "medium", timeStyle: "short" }) + " WIB" : "–");

/** A random id; crypto.randomUUID where the browser has it. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** One id per browser (X-Client-Id): the API scopes Idempotency-Key by it. */
export function clientId() {
  let id = localStorage.getItem("aduan.client-id");
  if (!id) { id = "web-" + newId(); localStorage.setItem("aduan.client-id", id); }
  return id;
}

/* The reporter token: the reporter's own secret, on their own device, in localStorage under the
   tracking id (it survives closing the browser, which sessionStorage does not; it is sent only as
   X-Reporter-Token to this site's API). */
const TOKEN_PREFIX = "aduan.token.";
export const tokenFor = (trackingId) => localStorage.getItem(TOKEN_PREFIX + trackingId);
export const keepToken = (trackingId, token) => localStorage.setItem(TOKEN_PREFIX + trackingId, token);
export const forgetToken = (trackingId) => localStorage.removeItem(TOKEN_PREFIX + trackingId);

/** Our network error: fetch itself failed (offline, connection dropped), nothing came back. */
export class NoAnswer extends Error {}

/** An API answer: {status, body}; NoAnswer when there was none. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (e) {
    throw new NoAnswer(String(e));
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  return { status: resp.status, body: data };
}

/** Show the API's field errors next to the fields they name; `place(field)` gives the element id and
    `labels` the form's own name of a field, which replaces the API's field name in its message. */
export function showErrors(errors, place, general, labels) {
  clearErrors();
  const shown = new Map();
  for (const e of errors || []) {
    const id = place(String(e.field || "")) || general;
    const field = String(e.field || "");
    let text = e.message_id || e.message || "Data tidak valid";
    const label = labels && (labels[field] || labels[field.split(".")[0]]);
    if (label && text.startsWith(field + " ")) text = label + " " + text.slice(field.length + 1);
    shown.set(id, (shown.has(id) ? shown.get(id) + " " : "") + text + ".");
  }
  let first = null;
  for (const [id, text] of shown) {
    const box = document.getElementById(id);
    if (!box) continue;
    box.textContent = text;
    box.hidden = false;
    const field = box.closest(".field");
    const input = field && field.querySelector("input:not([type=checkbox]):not([type=radio]), select, textarea");
    if (input) input.setAttribute("aria-invalid", "true");
    if (!first) first = input || box;
  }
  if (first && first.focus) first.focus();
}

export function clearErrors() {
  for (const box of document.querySelectorAll(".err")) { box.hidden = true; box.textContent = ""; }
  for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** The service worker keeps the pages' shell for opening them without a signal. */
export function registerWorker() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
}

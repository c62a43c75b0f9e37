/* /lacak/ and /lacak/<tracking_id>: the public record of a complaint; with the reporter token (kept by
   /lapor/ in this browser, or typed in) the reporter answers back. No reporter data is ever shown. */
import { $, el, api, NoAnswer, fmtDate, tokenFor, keepToken, forgetToken, showErrors, clearErrors, registerWorker } from "./warga.js";

const KINDS = {
  received: "Aduan diterima", forwarded: "Diteruskan ke SP4N-LAPOR!", acknowledged: "Dibaca petugas",
  answer: "Jawaban petugas", status: "Perubahan status", followup: "Tindak lanjut", returned: "Dikembalikan",
  reassigned: "Dialihkan ke unit lain", resolved: "Dinyatakan selesai", closed: "Ditutup", reopened: "Dibuka kembali",
  escalated: "Dieskalasi", overdue: "Melewati batas waktu", comment: "Tanggapan pelapor", rating: "Penilaian pelapor",
  confirmed: "Dikonfirmasi selesai oleh pelapor", rated: "Penilaian pelapor", attachment: "Lampiran ditambahkan",
  attachment_refused: "Lampiran tidak diteruskan",
  assigned: "Ditugaskan", duplicate: "Digabung dengan aduan yang sama", rejected: "Ditolak", dismissed: "Tidak dilanjutkan",
};
const rung = (n) => (n ? `Tingkat ${n}: diteruskan ke atasan unit` : "Belum dieskalasi");
const PHOTO_PATH = /^\/v1\/complaints\/[A-Za-z0-9-]+\/photos\/[1-9][0-9]*$/;
const NUM = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 });

let current = null; // the record shown
let categories = {}; // code -> name, from /v1/categories

function idFromPath() {
  const m = location.pathname.match(/^\/lacak\/([^/]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/** Working days (Monday-Friday) from now to the deadline, as a reporter reads it. */
function workingDaysUntil(iso) {
  let days = 0;
  const end = new Date(iso), d = new Date();
  for (;;) {
    d.setDate(d.getDate() + 1);
    if (d > end) return days;
    if (d.getDay() !== 0 && d.getDay() !== 6) days += 1;
  }
}

function deadlineWords(c) {
  if (!c.deadline) return c.status === "resolved" || c.status === "closed" ? "Selesai" : "–";
  if (c.overdue_working_days) return `terlambat ${NUM.format(Math.ceil(c.overdue_working_days))} hari kerja`;
  const left = workingDaysUntil(c.deadline);
  const when = fmtDate(c.deadline) + (c.deadline_rule ? ` (${c.deadline_rule})` : "");
  return (left <= 0 ? "hari ini" : `${left} hari kerja lagi`) + " · " + when;
}

function show(c) {
  current = c;
  $("#r-title").textContent = c.tracking_id + (c.title ? ": " + c.title : "");
  $("#r-status").textContent = c.status_label;
  $("#r-unit").textContent = c.unit ? c.unit.name : "–";
  $("#r-deadline").textContent = deadlineWords(c);
  $("#r-escalation").textContent = rung(c.escalation_level);
  $("#r-category").textContent = categories[c.category] || c.category || "–";
  $("#r-created").textContent = fmtDate(c.created_at);
  $("#r-description").textContent = c.confidential ? "Isi aduan ini dirahasiakan: hanya status dan tanggalnya yang ditampilkan." : (c.description || "");
  for (const id of ["#r-unit", "#r-escalation", "#r-category"]) { // a confidential complaint: status and dates only
    $(id).hidden = c.confidential;
    $(id).previousElementSibling.hidden = c.confidential;
  }
  showPhotos(c.photos || []);
  $("#r-timeline").replaceChildren(...c.timeline.slice().reverse().map((e) => el("li", { "data-kind": e.kind },
    el("span", { class: "when", text: fmtDate(e.at) }),
    el("strong", { text: KINDS[e.kind] || e.kind }),
    e.message && !c.confidential ? el("p", { class: "msg", text: e.message }) : null)));
  $("#record").hidden = false;
  reporterControls();
}

/** The photos the hub checked (no metadata left): same-origin addresses only, each with its words. */
function showPhotos(photos) {
  const shown = photos.filter((p) => typeof p.url === "string" && PHOTO_PATH.test(p.url));
  $("#r-photos").replaceChildren(...shown.map((p, i) => el("li", {}, el("img", {
    src: p.url, alt: `Foto ${i + 1} dari ${shown.length} yang dilampirkan pada aduan ini`,
    loading: "lazy", decoding: "async", width: 400, height: 300,
  }))));
  $("#r-photos-box").hidden = shown.length === 0;
}

function reporterControls() {
  const token = current && tokenFor(current.tracking_id);
  $("#token-form").hidden = Boolean(token);
  $("#actions").hidden = !token;
  if (!token) return;
  const resolved = current.status === "resolved";
  const rated = current.timeline.some((e) => e.kind === "rating" || e.kind === "rated");
  $("#resolved-actions").hidden = !resolved;
  $("#rating-form").hidden = rated || !(resolved || current.status === "closed");
  $("#comment-form").hidden = current.status === "closed";
}

async function loadCategories() {
  try {
    const resp = await api("/v1/categories");
    for (const c of (resp.body && resp.body.categories) || []) categories[c.code] = c.name;
  } catch (e) { /* the code is shown instead */ }
}

async function find(raw) {
  const id = raw.trim().toUpperCase();
  $("#record").hidden = true;
  if (!id) { $("#message").textContent = "Masukkan nomor pelacakan."; return; }
  $("#message").textContent = "Mencari…";
  try {
    const resp = await api("/v1/complaints/" + encodeURIComponent(id));
    if (resp.status === 404) { $("#message").textContent = "Nomor pelacakan tidak ditemukan. Periksa kembali nomornya."; return; }
    if (resp.status !== 200) { $("#message").textContent = "Aduan belum dapat ditampilkan; coba lagi."; return; }
    $("#message").textContent = "";
    if (location.pathname !== "/lacak/" + resp.body.tracking_id) history.replaceState(null, "", "/lacak/" + resp.body.tracking_id);
    show(resp.body);
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    $("#message").textContent = "Tidak ada sinyal. Coba lagi saat tersambung.";
  }
}

/** A reporter's action: the answer is the updated record; 401/403 means the code is not this complaint's. */
async function act(path, body, errBox) {
  const id = current.tracking_id;
  clearErrors();
  $("#action-message").textContent = "Mengirim…";
  try {
    const resp = await api(`/v1/complaints/${encodeURIComponent(id)}/${path}`, {
      method: "POST", body: body || {}, headers: { "X-Reporter-Token": tokenFor(id) },
    });
    if (resp.status === 200 || resp.status === 201) {
      $("#action-message").textContent = "Terkirim. Terima kasih.";
      show(resp.body);
      return true;
    }
    $("#action-message").textContent = "";
    if (resp.status === 401 || resp.status === 403) {
      forgetToken(id);
      reporterControls();
      $("#message").textContent = "Kode rahasia tidak cocok dengan aduan ini.";
      return false;
    }
    showErrors((resp.body && resp.body.errors) || [{ field: "", message_id: (resp.body && resp.body.message_id) || "Belum dapat dikirim" }],
      () => errBox, errBox);
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    $("#action-message").textContent = "Tidak ada sinyal; yang Anda tulis masih ada, coba kirim lagi.";
  }
  return false;
}

(async function main() {
  await loadCategories();
  $("#find").addEventListener("submit", (e) => { e.preventDefault(); find($("#tracking-id").value); });
  $("#token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("#token").value.trim();
    if (!token || !current) return;
    keepToken(current.tracking_id, token);
    $("#token").value = "";
    reporterControls();
  });
  $("#forget").addEventListener("click", () => { forgetToken(current.tracking_id); reporterControls(); });
  $("#comment-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await act("comments", { message: $("#comment").value }, "err-comment")) $("#comment").value = "";
  });
  $("#confirm").addEventListener("click", () => act("confirm-resolved", {}, "err-reopen"));
  $("#reopen-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await act("reopen", { reason: $("#reopen-reason").value }, "err-reopen")) $("#reopen-reason").value = "";
  });
  $("#rating-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = document.querySelector("input[name=stars]:checked");
    if (!chosen) { showErrors([{ field: "stars", message_id: "Pilih nilai 1 sampai 5" }], () => "err-rating"); return; }
    const body = { stars: Number(chosen.value) };
    if ($("#rating-comment").value.trim()) body.comment = $("#rating-comment").value.trim();
    await act("rating", body, "err-rating");
  });
  const id = idFromPath();
  if (id) { $("#tracking-id").value = id; find(id); }
  document.body.dataset.ready = "true";
  registerWorker(); // after the page is usable: its cache fill must not slow the first load
})();

/* Transparency page: plain JavaScript, no framework, no build step, no third-party requests.
   Reads the open-data API (/v1/stats, /v1/stats/units/{code}, /v1/public/complaints, /v1/complaints/{id}). */
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) node.append(kid);
    return node;
  };
  const HOME_TITLE = document.title; // the region's name comes with the page (from its data)
  const SVG = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  };

  const NUM = new Intl.NumberFormat("id-ID");
  const DEC = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2 });
  const fmtInt = (v) => (v === null || v === undefined ? "–" : NUM.format(v));
  const fmtDays = (v) => (v === null || v === undefined ? "–" : DEC.format(v));
  const fmtShare = (v) => (v === null || v === undefined ? "–" : NUM.format(Math.round(v * 100)) + "%");
  const fmtRating = (v) => (v === null || v === undefined ? "–" : DEC.format(v));
  const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString("id-ID", { timeZone: "Asia/Jakarta",
    dateStyle: "medium", timeStyle: "short" }) + " WIB" : "–");
  const WINDOW_LABEL = { "30d": "30 hari", "90d": "90 hari", "365d": "365 hari" };
  const LEVEL_LABEL = { city: "Kota", opd: "OPD", kecamatan: "Kecamatan", kelurahan: "Kelurahan" };
  const CHANNEL_LABEL = { app: "Aplikasi", rabeg: "Rabeg", call112: "112", psc119: "119", open311: "Open311" };

  const COLUMNS = [
    { field: "received", label: "Diterima", fmt: fmtInt, list: {} },
    { field: "open", label: "Terbuka", fmt: fmtInt, list: { status: "open" }, now: true },
    { field: "overdue", label: "Terlambat", fmt: fmtInt, list: { status: "open", overdue: "true" }, now: true },
    { field: "resolved", label: "Selesai", fmt: fmtInt, list: { status: "resolved" } },
    { field: "rejected", label: "Ditolak", fmt: fmtInt, list: { status: "rejected" } },
    { field: "resolved_on_time_share", label: "Selesai tepat waktu", fmt: fmtShare },
    { field: "first_response_days_p50", label: "Respons pertama, median (hari kerja)", fmt: fmtDays },
    { field: "first_response_days_p90", label: "Respons pertama, p90", fmt: fmtDays },
    { field: "resolution_days_p50", label: "Penyelesaian, median (hari kerja)", fmt: fmtDays },
    { field: "resolution_days_p90", label: "Penyelesaian, p90", fmt: fmtDays },
    { field: "reopen_rate", label: "Dibuka kembali", fmt: fmtShare },
    { field: "rating_avg", label: "Rating (1-5)", fmt: fmtRating },
    { field: "rating_count", label: "Jumlah rating", fmt: fmtInt },
    { field: "moved_out", label: "Dipindah ke unit lain", fmt: fmtInt, list: { status: "moved" } },
  ];

  const state = { level: "opd", window: "30d", view: "unit", sort: "received", desc: true, rows: [] };

  function say(text) { $("#status").textContent = text || ""; }

  async function getJSON(url) {
    const res = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((body && body.message_id) || "Permintaan gagal (" + res.status + ")");
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // the region this page shows (/j/<code>/); empty: the deployment's default region
  const REGION = document.documentElement.dataset.jurisdiction || "";
  // whether it has a map: the default region always; another when its boundaries were onboarded
  const HAS_MAP = !REGION || document.documentElement.dataset.map === "1";

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    if (REGION) q.set("jurisdiction", REGION);
    return q.toString();
  }

  /** Links to every other region's page (the default region's is /). */
  async function regionLinks() {
    let listed;
    try { listed = (await getJSON("/v1/jurisdictions")).jurisdictions || []; } catch (e) { return; }
    const home = listed.find((j) => j.code === REGION);
    const others = listed.filter((j) => j.code !== REGION);
    if (!others.length) return;
    const title = (j) => (j.kind === "kota" ? "Kota " : "Kabupaten ") + j.name;
    $("#region-list").replaceChildren(...others.map((j) => el("li", {}, el("a", { href: "/j/" + j.code + "/", text: title(j) }))));
    $("#regions").hidden = false;
    if (REGION && !home) say("Wilayah ini belum terdaftar.");
  }

  function listHref(unit, view, extra, windowName) {
    const p = Object.assign({ unit, view }, extra || {});
    if (!p.status || (p.status !== "open")) p.window = windowName;
    return "#/daftar?" + query(p);
  }

  // -- home: city summary and the ranking -------------------------------------------

  async function loadCity() {
    const data = await getJSON("/v1/stats?" + query({ level: "city", window: state.window, view: "unit" }));
    const city = data.units[0];
    const box = $("#city-cards");
    box.replaceChildren();
    if (!city) return;
    const cards = [
      ["Diterima (" + WINDOW_LABEL[state.window] + ")", fmtInt(city.received)],
      ["Terbuka sekarang", fmtInt(city.open)],
      ["Terlambat sekarang", fmtInt(city.overdue)],
      ["Selesai", fmtInt(city.resolved)],
      ["Selesai tepat waktu", fmtShare(city.resolved_on_time_share)],
      ["Respons pertama, median", fmtDays(city.first_response_days_p50) + " hari kerja"],
      ["Rating rata-rata", fmtRating(city.rating_avg) + " (" + fmtInt(city.rating_count) + ")"],
    ];
    for (const [label, value] of cards) {
      box.append(el("div", { class: "card" }, el("span", { class: "label", text: label }),
        el("span", { class: "value", text: value })));
    }
    $("#generated").textContent = data.generated_at
      ? "Diperbarui " + fmtDate(data.generated_at) + ". " : "Angka belum dihitung. ";
    $("#generated").append(el("a", { href: "#/unit/city", text: "Lihat angka kota per bulan" }));
  }

  // The downloads follow what the page shows: the window, level and view selected.
  function updateDownloads() {
    const shown = { window: state.window, level: state.level, view: state.view };
    $("#csv-link").setAttribute("href", "/v1/stats.csv?" + query(shown));
    $("#csv-what").textContent = "(" + LEVEL_LABEL[state.level] + ", " + WINDOW_LABEL[state.window] + ", menurut " +
      (state.view === "unit" ? "unit yang menangani" : "lokasi aduan") + ")";
    $("#csv-all-link").setAttribute("href", "/v1/stats.csv?" + query({ level: state.level, view: state.view }));
    $("#json-link").setAttribute("href", "/v1/stats?" + query(shown));
    const list = query({ unit: "city", window: state.window });
    $("#list-csv-link").setAttribute("href", "/v1/public/complaints.csv?" + list);
    $("#list-json-link").setAttribute("href", "/v1/public/complaints.json?" + list);
    $("#geojson-link").setAttribute("href", "/v1/stats/places.geojson?" + query({ window: state.window }));
  }

  async function loadRanking() {
    updateDownloads();
    say("Memuat peringkat…");
    try {
      const data = await getJSON("/v1/stats?" + query({ level: state.level, window: state.window, view: state.view }));
      state.rows = data.units;
      renderRanking();
      say("");
    } catch (err) {
      say("Peringkat tidak dapat dimuat: " + err.message);
    }
  }

  function compare(a, b) {
    if (a.ranked !== b.ranked) return a.ranked ? -1 : 1;
    const x = a[state.sort], y = b[state.sort];
    if (x === y) return a.unit_name.localeCompare(b.unit_name, "id");
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return state.desc ? y - x : x - y;
  }

  function renderRanking() {
    const table = $("#rank-table");
    $("#rank-caption").textContent = "Peringkat " + LEVEL_LABEL[state.level] + ", " + WINDOW_LABEL[state.window] +
      " terakhir, menurut " + (state.view === "unit" ? "unit yang menangani" : "lokasi aduan");
    const head = el("tr", {}, el("th", { scope: "col", text: "#" }), el("th", { scope: "col", class: "text", text: "Unit" }));
    for (const col of COLUMNS) {
      const sorted = state.sort === col.field;
      const th = el("th", { scope: "col", "aria-sort": sorted ? (state.desc ? "descending" : "ascending") : null });
      const btn = el("button", { type: "button", class: "sort", "data-field": col.field,
        text: col.label + (sorted ? (state.desc ? " ▼" : " ▲") : "") });
      btn.addEventListener("click", () => {
        if (state.sort === col.field) state.desc = !state.desc; else { state.sort = col.field; state.desc = true; }
        renderRanking();
        const again = table.querySelector('button[data-field="' + col.field + '"]');
        if (again) again.focus();
      });
      th.append(btn);
      head.append(th);
    }
    table.tHead.replaceChildren(head);
    const body = el("tbody");
    let rank = 0;
    for (const row of state.rows.slice().sort(compare)) {
      const tr = el("tr", { "data-unit": row.unit_code, class: row.ranked ? null : "unranked" });
      tr.append(el("td", { text: row.ranked ? String(++rank) : "–" }));
      const name = el("td", { class: "text" }, el("a", { href: "#/unit/" + encodeURIComponent(row.unit_code) +
        (state.view === "place" ? "?view=place" : ""), text: row.unit_name }));
      if (!row.ranked) name.append(el("span", { class: "meta", text: " (belum diperingkat)" }));
      tr.append(name);
      for (const col of COLUMNS) {
        const v = row[col.field];
        const td = el("td", { "data-field": col.field, "data-value": v === null ? "" : v });
        if (col.list && v) {
          td.append(el("a", { href: listHref(row.unit_code, state.view, col.list, state.window), text: col.fmt(v) }));
        } else {
          td.textContent = col.fmt(v);
        }
        tr.append(td);
      }
      body.append(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
  }

  function setupTabs() {
    const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
      }
      $("#rank-panel").setAttribute("aria-labelledby", tab.id);
      state.level = tab.dataset.level;
      const placeRadio = document.querySelector('input[name="view"][value="place"]');
      placeRadio.disabled = state.level === "opd";
      if (state.level === "opd") { state.view = "unit"; document.querySelector('input[name="view"][value="unit"]').checked = true; }
      if (focus) tab.focus();
      loadRanking();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (e) => {
        let j = null;
        if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
        if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
        if (e.key === "Home") j = 0;
        if (e.key === "End") j = tabs.length - 1;
        if (j !== null) { e.preventDefault(); select(tabs[j], true); }
      });
    });
    document.querySelector('input[name="view"][value="place"]').disabled = true;
    $("#window").addEventListener("change", (e) => { state.window = e.target.value; loadRanking(); loadCity().catch(() => {}); });
    for (const radio of document.querySelectorAll('input[name="view"]')) {
      radio.addEventListener("change", (e) => { state.view = e.target.value; loadRanking(); });
    }
  }

  // -- the map -----------------------------------------------------------------------

  let mapDrawn = false;
  function shade(n, max) {
    if (!n) return 0;
    if (max <= 4) return Math.min(4, n);
    return Math.min(4, 1 + Math.floor((3 * n) / (max + 1)));
  }
  /** The region's places.geojson as the map draws it: SVG paths in a 1000-wide view box of the
   * region's bounds (equirectangular, true to scale at its middle latitude), and overdue by place. */
  function projected(places) {
    if (!places.features.length) throw new Error("wilayah ini belum punya peta");
    const outer = (g) => (g.type === "Polygon" ? [g.coordinates[0]] : g.coordinates.map((part) => part[0]));
    let west = Infinity, east = -Infinity, south = Infinity, north = -Infinity;
    for (const f of places.features) {
      for (const ring of outer(f.geometry)) {
        for (const [x, y] of ring) {
          west = Math.min(west, x); east = Math.max(east, x); south = Math.min(south, y); north = Math.max(north, y);
        }
      }
    }
    const kx = Math.cos(((north + south) / 2) * Math.PI / 180);
    const scale = 1000 / ((east - west) * kx);
    const pt = ([x, y]) => ((x - west) * kx * scale).toFixed(1) + "," + ((north - y) * scale).toFixed(1);
    const overdue = {};
    const kelurahan = places.features.map((f) => {
      overdue["kel:" + f.properties.kelurahan_code] = f.properties.overdue || 0;
      const path = outer(f.geometry).map((ring) => "M" + ring.slice(0, -1).map(pt).join("L") + "Z").join("");
      return { code: f.properties.kelurahan_code, name: f.properties.kelurahan_name, path };
    });
    return [{ viewBox: "0 0 1000 " + Math.ceil((north - south) * scale), kelurahan }, overdue];
  }
  async function mapData() {
    if (REGION) return projected(await getJSON("/v1/stats/places.geojson?" + query({ window: "30d" })));
    const [shapes, stats] = await Promise.all([
      getJSON("/static/kelurahan.json"),
      getJSON("/v1/stats?" + query({ level: "kelurahan", window: "30d", view: "place" })),
    ]);
    const overdue = {};
    for (const row of stats.units) overdue[row.unit_code] = row.overdue || 0;
    return [shapes, overdue];
  }
  // a desa/kelurahan code's last part starts with 1 for a kelurahan, 2 or 3 for a desa
  const areaWord = (code) => ((code.split(".")[3] || "1")[0] === "1" ? "Kelurahan " : "Desa ");
  async function loadMap() {
    if (mapDrawn) return;
    const [shapes, overdue] = await mapData();
    if (shapes.kelurahan.some((k) => areaWord(k.code) === "Desa ")) { // a kabupaten's map is mostly desa
      $("#h-peta").textContent = "Peta aduan terlambat per desa/kelurahan";
      $("#map").setAttribute("aria-label", $("#map").getAttribute("aria-label").replace("kelurahan", "desa/kelurahan"));
    }
    const max = Math.max(0, ...Object.values(overdue));
    const map = $("#map");
    map.setAttribute("viewBox", shapes.viewBox);
    map.replaceChildren();
    const colours = ["#f7f7f7", "#fdd9b5", "#fca86b", "#e8591a", "#9c2a0b"];
    for (const k of shapes.kelurahan) {
      const code = "kel:" + k.code;
      const n = overdue[code] || 0;
      const label = areaWord(k.code) + k.name + ": " + fmtInt(n) + " aduan terlambat";
      const a = svg("a", { href: "#/unit/" + encodeURIComponent(code) + "?view=place", "aria-label": label,
        "data-kelurahan": k.code });
      const path = svg("path", { d: k.path, fill: colours[shade(n, max)], "data-overdue": n });
      const title = svg("title", {});
      title.textContent = label;
      path.append(title);
      a.append(path);
      map.append(a);
    }
    const legend = $("#map-legend");
    legend.replaceChildren();
    const steps = max <= 4 ? [0, 1, 2, 3, 4].map((i) => [i, i === 4 ? "4 atau lebih" : String(i)])
      : [[0, "0"], [1, "sedikit"], [2, "sedang"], [3, "banyak"], [4, "terbanyak (" + max + ")"]];
    for (const [i, text] of steps) legend.append(el("span", {}, el("span", { class: "swatch s" + i }), text));
    mapDrawn = true;
  }

  // -- a unit's page -------------------------------------------------------------------

  async function loadUnit(code, view) {
    $("#h-unit").textContent = "Memuat…";
    const data = await getJSON("/v1/stats/units/" + encodeURIComponent(code) + "?" + query({ view }));
    $("#h-unit").textContent = data.unit_name;
    document.title = data.unit_name + " · Transparansi Pengaduan";
    $("#unit-meta").textContent = LEVEL_LABEL[data.level] + " · " + (view === "unit" ? "menurut unit yang menangani" :
      "menurut lokasi aduan") + (data.generated_at ? " · diperbarui " + fmtDate(data.generated_at) : "");
    const sw = $("#unit-view-switch");
    sw.replaceChildren();
    if (data.level !== "opd" && data.level !== "city") {
      const other = view === "unit" ? "place" : "unit";
      sw.append(el("a", { href: "#/unit/" + encodeURIComponent(code) + "?view=" + other,
        text: other === "place" ? "Lihat menurut lokasi aduan" : "Lihat menurut unit yang menangani" }));
    }
    const table = $("#unit-table");
    const head = el("tr", {}, el("th", { scope: "col", class: "text", text: "Angka" }));
    const windows = Object.keys(data.windows);
    for (const w of windows) head.append(el("th", { scope: "col", text: WINDOW_LABEL[w] || w }));
    table.tHead.replaceChildren(head);
    const body = el("tbody");
    const rows = COLUMNS.concat([{ field: "backlog_by_age", label: "Tunggakan menurut umur (hari kerja)" }]);
    for (const col of rows) {
      const tr = el("tr", {}, el("th", { scope: "row", class: "text", text: col.label + (col.now ? " (sekarang)" : "") }));
      for (const w of windows) {
        const row = data.windows[w] || {};
        const v = row[col.field];
        const td = el("td", { "data-window": w, "data-field": col.field });
        if (col.field === "backlog_by_age") {
          td.textContent = v ? Object.entries(v).map(([k, n]) => k + ": " + fmtInt(n)).join(", ") : "–";
        } else if (col.list && v) {
          td.append(el("a", { href: listHref(code, view, col.list, w), text: col.fmt(v) }));
        } else {
          td.textContent = col.fmt(v === undefined ? null : v);
        }
        tr.append(td);
      }
      body.append(tr);
    }
    const chRow = el("tr", {}, el("th", { scope: "row", class: "text", text: "Diterima menurut kanal" }));
    for (const w of windows) {
      const by = (data.windows[w] || {}).received_by_channel || {};
      chRow.append(el("td", { text: Object.entries(by).filter(([, n]) => n).map(([k, n]) =>
        (CHANNEL_LABEL[k] || k) + " " + fmtInt(n)).join(", ") || "–" }));
    }
    body.append(chRow);
    table.replaceChild(body, table.tBodies[0]);
    drawChart(data.monthly || []);
    await loadList($("#unit-overdue"), { unit: code, view, status: "open", overdue: "true" }, true);
  }

  function drawChart(monthly) {
    const chart = $("#chart");
    const W = 640, H = 240, left = 36, bottom = 40, top = 10;
    chart.setAttribute("viewBox", "0 0 " + W + " " + H);
    chart.replaceChildren();
    const max = Math.max(1, ...monthly.map((m) => m.received || 0));
    const step = (W - left - 8) / Math.max(1, monthly.length);
    const y = (v) => H - bottom - ((H - bottom - top) * v) / max;
    for (let t = 0; t <= 4; t++) {
      const v = Math.round((max * t) / 4);
      chart.append(svg("line", { x1: left, x2: W - 4, y1: y(v), y2: y(v), stroke: "#c7ccd1" }));
      const lab = svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#1a1a1a" });
      lab.textContent = String(v);
      chart.append(lab);
    }
    monthly.forEach((m, i) => {
      const x = left + i * step + 4;
      const w = (step - 8) / 2;
      const r = m.received || 0, s = m.resolved || 0;
      chart.append(svg("rect", { x, y: y(r), width: w, height: H - bottom - y(r), fill: "#0b4f8a" }));
      chart.append(svg("rect", { x: x + w, y: y(s), width: w, height: H - bottom - y(s), fill: "#7fb2e0" }));
      const lab = svg("text", { x: x + w, y: H - bottom + 14, "text-anchor": "middle", "font-size": 10, fill: "#1a1a1a" });
      lab.textContent = m.month.slice(5) + "/" + m.month.slice(2, 4);
      chart.append(lab);
    });
    const table = $("#chart-table");
    table.tHead.replaceChildren(el("tr", {}, el("th", { scope: "col", class: "text", text: "Bulan" }),
      el("th", { scope: "col", text: "Diterima" }), el("th", { scope: "col", text: "Selesai" }),
      el("th", { scope: "col", text: "Selesai tepat waktu" })));
    const body = el("tbody");
    for (const m of monthly) {
      body.append(el("tr", {}, el("th", { scope: "row", class: "text", text: m.month }),
        el("td", { text: fmtInt(m.received || 0) }), el("td", { text: fmtInt(m.resolved || 0) }),
        el("td", { text: fmtShare(m.resolved_on_time_share) })));
    }
    table.replaceChild(body, table.tBodies[0]);
  }

  // -- the complaints behind a figure ---------------------------------------------------

  async function loadList(box, params, compact, cursor) {
    const data = await getJSON("/v1/public/complaints?" + query(Object.assign({}, params, { cursor })));
    let list = box.querySelector("ul.complaints");
    if (!cursor) {
      box.replaceChildren();
      list = el("ul", { class: "complaints" });
      box.append(list);
    }
    for (const c of data.complaints) {
      const li = el("li", { "data-tracking-id": c.tracking_id },
        el("a", { href: "#/lacak/" + encodeURIComponent(c.tracking_id), text: c.tracking_id }),
        " · " + (c.title || "(isi dirahasiakan)") + " · " + c.status_label);
      if (c.overdue_working_days) li.append(el("span", { class: "bad", text: " · terlambat " + fmtDays(c.overdue_working_days) + " hari kerja" }));
      li.append(el("span", { class: "meta", text: " · diterima " + fmtDate(c.created_at) + (c.unit && c.unit.name ? " · " + c.unit.name : "") }));
      list.append(li);
    }
    const old = box.querySelector("button.more");
    if (old) old.remove();
    if (!list.children.length && !data.cursor) box.replaceChildren(el("p", { text: compact ? "Tidak ada aduan terlambat." : "Tidak ada aduan." }));
    if (data.cursor) {
      const more = el("button", { type: "button", class: "more", text: "Muat lebih banyak" });
      more.addEventListener("click", () => loadList(box, params, compact, data.cursor).catch((e) => say(e.message)));
      box.append(more);
    }
  }

  // -- tracking id look-up ---------------------------------------------------------------

  async function track(id) {
    const box = $("#track-result");
    box.replaceChildren(el("p", { text: "Mencari…" }));
    const clean = id.trim().toUpperCase();
    if (!/^[A-Z0-9-]{6,40}$/.test(clean)) {
      box.replaceChildren(el("p", { class: "bad", text: "Nomor pelacakan tidak valid." }));
      return;
    }
    let c;
    try {
      c = await getJSON("/v1/complaints/" + encodeURIComponent(clean));
    } catch (err) {
      box.replaceChildren(el("p", { class: "bad", text: err.status === 404 ? "Pengaduan " + clean + " tidak ditemukan." : err.message }));
      return;
    }
    const list = el("ol", { class: "timeline" });
    for (const e of c.timeline || []) {
      list.append(el("li", {}, el("time", { datetime: e.at, text: fmtDate(e.at) }), e.message || e.kind));
    }
    box.replaceChildren(
      el("h2", { id: "track-title", text: c.tracking_id + ": " + c.status_label }),
      el("p", { text: (c.title || "(isi dirahasiakan)") + (c.unit ? " · ditangani " + c.unit.name : "") }),
      el("p", { class: "meta", text: "Diterima " + fmtDate(c.created_at) + (c.deadline ? " · tenggat " + fmtDate(c.deadline) : "") +
        (c.overdue_working_days ? " · terlambat " + fmtDays(c.overdue_working_days) + " hari kerja" : "") }),
      el("h3", { text: "Riwayat" }), list);
  }

  // -- routing --------------------------------------------------------------------------

  function show(name, focusId) {
    for (const section of document.querySelectorAll("main > section[data-view]")) section.hidden = section.dataset.view !== name;
    for (const a of document.querySelectorAll(".top nav a")) {
      const target = a.getAttribute("href").replace("#/", "") || "home";
      if (target === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    const h = focusId && document.getElementById(focusId);
    if (h && route.started) h.focus();
  }

  async function route() {
    const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
    const [path, qs] = hash.split("?");
    const params = new URLSearchParams(qs || "");
    say("");
    try {
      if (path.startsWith("unit/")) {
        show("unit", "h-unit");
        const code = path.slice(5);
        await loadUnit(code, params.get("view") === "place" ? "place" : "unit");
      } else if (path === "daftar") {
        show("daftar", "h-daftar");
        const p = Object.fromEntries(params.entries());
        $("#h-daftar").textContent = "Daftar aduan: " + p.unit + (p.status ? " · " + p.status : "") + (p.overdue ? " · terlambat" : "");
        $("#daftar-back").setAttribute("href", "#/unit/" + encodeURIComponent(p.unit || "city") + (p.view === "place" ? "?view=place" : ""));
        const listed = query(Object.assign({}, p, { cursor: null }));
        $("#daftar-csv").setAttribute("href", "/v1/public/complaints.csv?" + listed);
        $("#daftar-json").setAttribute("href", "/v1/public/complaints.json?" + listed);
        await loadList($("#daftar"), p, false);
      } else if (path === "peta" && HAS_MAP) {
        show("peta", "h-peta");
        await loadMap();
      } else if (path.startsWith("lacak")) {
        show("lacak", "h-lacak");
        const id = path.slice(6);
        if (id) { $("#track-id").value = id; await track(id); }
      } else if (path === "cara" || path === "data") {
        show(path, "h-" + path);
      } else {
        show("home", route.started ? "h-home" : null);
        document.title = HOME_TITLE;
      }
    } catch (err) {
      say("Data tidak dapat dimuat: " + err.message);
    }
    route.started = true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupTabs();
    $("#track-form").addEventListener("submit", (e) => {
      e.preventDefault();
      location.hash = "#/lacak/" + encodeURIComponent($("#track-id").value.trim().toUpperCase());
    });
    window.addEventListener("hashchange", route);
    if (!HAS_MAP) { // a region onboarded without boundaries has no map (its places.geojson is empty)
      const mapLink = document.querySelector('nav a[href="#/peta"]');
      if (mapLink) mapLink.parentElement.hidden = true;
      const geo = $("#geojson-link");
      if (geo) geo.parentElement.hidden = true;
    }
    if (REGION) $(".brand a").setAttribute("href", "#/");
    loadCity().catch((err) => say("Ringkasan tidak dapat dimuat: " + err.message));
    loadRanking();
    regionLinks();
    route();
  });
})();

// Gojinn dashboard: polls state.json (relative, so that the page works
// under any path prefix) every second and renders it. Read-only: it only
// ever GETs. Every value is set with textContent, never parsed as HTML.
"use strict";

const POLL_MS = 1000;
// Rates are computed over the samples of the last WINDOW_MS.
const WINDOW_MS = 5000;

// history keeps, per handler id, the recent samples of its counters.
const history = new Map();

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function fmtSeconds(s) {
  if (!s) return "—";
  if (s < 0.001) return (s * 1e6).toFixed(0) + " µs";
  if (s < 1) return (s * 1e3).toFixed(s < 0.01 ? 2 : 1) + " ms";
  return s.toFixed(2) + " s";
}

function fmtCount(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n));
}

function errorsOf(h) {
  const by = h.requests.by_outcome || {};
  return h.requests.total - (by.ok || 0) - (by.canceled || 0);
}

// rates returns req/s, the error share and fuel per run over the window.
function rates(h, now) {
  let samples = history.get(h.id);
  if (!samples) {
    samples = [];
    history.set(h.id, samples);
  }
  samples.push({ t: now, total: h.requests.total, errors: errorsOf(h), fuel: h.fuel.total, runs: h.fuel.runs });
  while (samples.length > 2 && now - samples[1].t >= WINDOW_MS) samples.shift();
  const first = samples[0];
  const last = samples[samples.length - 1];
  const dt = (last.t - first.t) / 1000;
  if (dt <= 0) return { rps: null, errorShare: null, fuelPerRun: null };
  const dTotal = last.total - first.total;
  const dRuns = last.runs - first.runs;
  return {
    rps: dTotal / dt,
    errorShare: dTotal > 0 ? (last.errors - first.errors) / dTotal : null,
    fuelPerRun: dRuns > 0 ? (last.fuel - first.fuel) / dRuns : null,
  };
}

function handlerRow(h, now) {
  const r = rates(h, now);
  const tr = el("tr");
  tr.dataset.handler = h.name;
  tr.dataset.id = String(h.id);

  const name = el("td", h.name, "name");
  if (h.trigger) name.append(el("span", "trigger", "badge"));
  tr.append(name);

  const mod = el("td");
  const file = h.module.path.split("/").pop();
  mod.append(el("span", file));
  mod.title = h.module.path + "\nsha256 " + h.module.sha256;
  let sub = "sha256 " + h.module.sha256.slice(0, 12);
  if (h.signature) sub += " · " + (h.signature === "off" ? "signatures off" : h.signature);
  mod.append(el("span", sub, "sub"));
  tr.append(mod);

  tr.append(el("td", r.rps === null ? "—" : r.rps.toFixed(1), "num rps"));
  const err = el("td", r.errorShare === null ? "—" : (100 * r.errorShare).toFixed(1) + " %", "num errors");
  if (r.errorShare > 0) err.classList.add("bad");
  tr.append(err);
  tr.append(el("td", fmtSeconds(h.latency_seconds.p50), "num p50"));
  tr.append(el("td", fmtSeconds(h.latency_seconds.p99), "num p99"));
  tr.append(el("td", r.fuelPerRun === null ? "—" : fmtCount(r.fuelPerRun), "num fuel"));

  const total = el("td", String(h.requests.total), "num requests");
  total.title = Object.entries(h.requests.by_outcome || {})
    .map(([o, n]) => o + ": " + n)
    .join("\n");
  tr.append(total);

  const p = h.pool;
  const flight = el("td", p.running + " / " + p.max_concurrency, "num inflight");
  if (p.waiting > 0) {
    flight.append(el("span", p.waiting + " waiting", "sub warn"));
  }
  tr.append(flight);
  let pool = p.size > 0 ? p.ready + " / " + p.size : "off";
  if (p.stopped) pool += " (stopped)";
  tr.append(el("td", pool, "num pool"));
  return tr;
}

function renderHandlers(state) {
  const body = document.querySelector("#handlers tbody");
  const rows = state.handlers.map((h) => handlerRow(h, state.time));
  body.replaceChildren(...rows);
  const live = new Set(state.handlers.map((h) => h.id));
  for (const id of history.keys()) if (!live.has(id)) history.delete(id);
  document.getElementById("handler-count").textContent = "(" + state.handlers.length + ")";
  document.getElementById("no-handlers").hidden = state.handlers.length > 0;
}

function copyButton(text) {
  const b = el("button", "copy");
  b.type = "button";
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "copied";
    } catch {
      b.textContent = "select it";
    }
    setTimeout(() => (b.textContent = "copy"), 1500);
  });
  return b;
}

function renderCrashes(state) {
  const crashes = state.crashes || [];
  const body = document.querySelector("#crashes tbody");
  body.replaceChildren(
    ...crashes.map((c) => {
      const tr = el("tr");
      tr.dataset.id = c.id;
      tr.append(el("td", new Date(c.time).toLocaleString()));
      tr.append(el("td", c.handler));
      tr.append(el("td", c.outcome, "bad"));
      tr.append(el("td", c.reason, "reason"));
      const replay = el("td", null, "replay");
      replay.append(el("code", c.replay), copyButton(c.replay));
      tr.append(replay);
      return tr;
    }),
  );
  document.getElementById("crashes").hidden = crashes.length === 0;
  document.getElementById("no-crashes").hidden = crashes.length > 0;
}

function renderQueues(state) {
  const section = document.getElementById("queues-section");
  section.hidden = !(state.queues && state.queues.length) && !state.queues_error;
  const body = document.querySelector("#queues tbody");
  body.replaceChildren(
    ...(state.queues || []).map((q) => {
      const tr = el("tr");
      tr.dataset.queue = q.name;
      tr.append(el("td", q.name));
      tr.append(el("td", q.pending, "num"));
      tr.append(el("td", q.in_flight, "num"));
      tr.append(el("td", q.dead, q.dead > 0 ? "num dead bad" : "num dead"));
      tr.append(el("td", q.done, "num"));
      tr.append(el("td", q.failed_attempts, "num"));
      return tr;
    }),
  );
  const err = document.getElementById("queues-error");
  err.hidden = !state.queues_error;
  err.textContent = state.queues_error || "";
}

function setStatus(state, text) {
  const s = document.getElementById("status");
  s.dataset.state = state;
  s.textContent = text;
}

async function refresh() {
  try {
    const res = await fetch("state.json", { cache: "no-store", credentials: "same-origin" });
    if (!res.ok) throw new Error(res.status + " " + res.statusText);
    const state = await res.json();
    renderHandlers(state);
    renderCrashes(state);
    renderQueues(state);
    setStatus("live", "live · " + new Date(state.time).toLocaleTimeString());
  } catch (e) {
    setStatus("error", "cannot read state.json: " + e.message);
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

refresh();

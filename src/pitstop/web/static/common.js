// Shared by every page: times in the viewer's zone, countdowns, progress, live re-reads.
"use strict";
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  // The page's language: dates in its format, and the few strings this script writes,
  // translated by the server into a JSON blob (the public page; elsewhere English).
  const lang = document.documentElement.lang || undefined;
  const blob = document.getElementById("pitstop-strings");
  const strings = blob ? JSON.parse(blob.textContent) : {};
  const say = (key, fallback, span = "") => (strings[key] || fallback).replace("{span}", span);
  const clock = { hour: "2-digit", minute: "2-digit" };
  const shapes = {
    full: { weekday: "short", day: "numeric", month: "short", year: "numeric", ...clock,
      timeZoneName: "short" },
    time: { ...clock, timeZoneName: "short" },
    day: { weekday: "short", day: "numeric", month: "short" },
    dayTime: { weekday: "short", day: "numeric", month: "short", ...clock },
  };
  // Each shape with and without seconds: seconds show only when a time has any.
  const formats = {};
  Object.entries(shapes).forEach(([name, options]) => {
    formats[name] = new Intl.DateTimeFormat(lang, options);
    formats[name + ":s"] = new Intl.DateTimeFormat(lang, { ...options, second: "2-digit" });
  });
  function format(at, shape) {
    const name = shapes[shape] ? shape : "full";
    const seconds = at.getUTCSeconds() && shapes[name].minute;
    return formats[seconds ? name + ":s" : name].format(at);
  }

  function span(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d) return `${d} d ${h} h`;
    if (h) return `${h} h ${m} min`;
    if (m) return `${m} min ${sec} s`;
    return `${sec} s`;
  }

  // A later occurrence shows its day alone when it starts at the same local time as the
  // one it follows (data-clock-of), and its time too when a DST change moved it.
  function dayShape(el, at) {
    const of = new Date(el.dataset.clockOf || "");
    const clockOf = (d) => formats["time:s"].format(d);
    return isNaN(of) || clockOf(of) === clockOf(at) ? "day" : "dayTime";
  }

  function localize(root) {
    root.querySelectorAll("time[datetime]").forEach((el) => {
      const at = new Date(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      el.textContent = format(at, el.dataset.format === "day" ? dayShape(el, at) : el.dataset.format);
      el.title = at.toISOString();
    });
    document.querySelectorAll("[data-tz]").forEach((el) => { el.textContent = zone; });
    root.querySelectorAll("input[data-viewer-tz]").forEach((el) => { el.value = zone; });
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const left = new Date(el.dataset.countdown) - now;
      el.textContent = left > 0 ? say("startsIn", "Starts in {span} ·", span(left))
        : say("startingNow", "Starting now ·");
    });
    document.querySelectorAll("[data-remaining]").forEach((el) => {
      const left = new Date(el.dataset.remaining) - now;
      el.firstChild.textContent = left > 0 ? say("left", "{span} left · ends ", span(left))
        : say("ending", "ending · ends ");
    });
    document.querySelectorAll(".progress[data-start]").forEach((el) => {
      const start = new Date(el.dataset.start), end = new Date(el.dataset.end);
      const pct = Math.round(100 * Math.min(1, Math.max(0, (now - start) / (end - start))));
      el.setAttribute("aria-valuenow", pct);
      el.firstElementChild.style.width = pct + "%";
    });
  }

  // Re-read the page's live part from the server (same URL, ?partial=1) and swap it in.
  async function refresh() {
    const main = document.getElementById("live");
    if (!main) return;
    const url = new URL(main.dataset.partial || location.pathname, location.href);
    new URLSearchParams(location.search).forEach((v, k) => url.searchParams.set(k, v));
    url.searchParams.set("partial", "1");
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (response.redirected || response.status === 401) { location.reload(); return; }
    if (!response.ok) return;
    // Keep what someone is typing, and where, across the swap.
    const typed = [...main.querySelectorAll("input[name], select[name], textarea[name]")]
      .filter((el) => el.value !== el.defaultValue).map((el) => [el.name, el.value]);
    const focused = main.contains(document.activeElement) ? document.activeElement : null;
    const key = focused && (focused.name || focused.dataset.url || focused.dataset.api ||
      focused.id);
    // And which collapsible parts (service groups) someone opened.
    const opened = [...main.querySelectorAll("details[open][data-testid]")]
      .map((el) => el.dataset.testid);
    main.innerHTML = await response.text();
    opened.forEach((id) => {
      const el = main.querySelector(`details[data-testid="${CSS.escape(id)}"]`);
      if (el) el.open = true;
    });
    typed.forEach(([name, value]) => {
      const el = main.querySelector(`[name="${CSS.escape(name)}"]`);
      if (el) el.value = value;
    });
    if (key) refocus(focused);
    rebrand(main);
    localize(main);
    tick();
    const note = document.getElementById("announce");
    if (note) note.textContent = say("updated", "Updated.");
    document.dispatchEvent(new CustomEvent("pitstop:refreshed"));
  }

  // The public page's branding lives outside the live part (its title, logo and accent
  // colour are in the head and the top bar): the live part carries it in #branding, and a
  // refresh after an admin changed it applies it there too.
  function rebrand(main) {
    const data = main.querySelector("#branding");
    const brand = document.querySelector(".topbar .brand");
    if (!data || !brand) return;
    const { title, accent, logo } = data.dataset;
    document.title = title;
    brand.querySelector("span").textContent = title;
    document.documentElement.style.setProperty("--accent", accent);
    let img = brand.querySelector("img.logo");
    if (!logo) { if (img) img.remove(); return; }
    if (!img) {
      img = Object.assign(document.createElement("img"), { className: "logo", alt: "" });
      img.height = 32;
      brand.prepend(img);
    }
    if (img.getAttribute("src") !== logo) img.setAttribute("src", logo);
  }

  // Focus an element, or its replacement after a refresh (same name, action or id), or
  // else the page's heading.
  function refocus(el) {
    if (el && el.isConnected) { el.focus(); return; }
    const main = document.getElementById("live");
    let again = null;
    if (el && el.name) again = main.querySelector(`[name="${CSS.escape(el.name)}"]`);
    else if (el && el.dataset && (el.dataset.url || el.dataset.api)) {
      const url = el.dataset.url || el.dataset.api;
      const same = [...main.querySelectorAll("[data-url], [data-api]")]
        .filter((x) => (x.dataset.url || x.dataset.api) === url);
      again = same.find((x) => x.textContent.trim() === el.textContent.trim()) || same[0];
    } else if (el && el.id) again = document.getElementById(el.id);
    if (!again) {
      again = main.querySelector("h1");
      if (again) again.setAttribute("tabindex", "-1");
    }
    if (again) again.focus();
  }

  // Live: every change signal re-reads the page; without a stream, poll every 30 s.
  function live() {
    const main = document.getElementById("live");
    if (!main || !main.dataset.live) return;
    let timer = null, polling = null;
    const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 100); };
    const fallback = () => { if (!polling) polling = setInterval(refresh, 30000); };
    if (!("EventSource" in window)) { fallback(); return; }
    const source = new EventSource(main.dataset.live);
    source.addEventListener("change", soon);
    source.addEventListener("open", () => { if (polling) { clearInterval(polling); polling = null; soon(); } });
    source.addEventListener("error", fallback);
  }

  // Call the documented API as the signed-in console: the session cookie, and the page's
  // CSRF token on every change. Returns {ok, data}: the body, or the problem (with detail).
  async function api(url, method = "GET", body = undefined) {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body) });
    let data = {};
    if (response.status !== 204) data = await response.json().catch(() => ({}));
    if (!response.ok && !data.detail) data.detail = `The server answered ${response.status}.`;
    return { ok: response.ok, data };
  }

  // The message to show for a failed call: the first field error, else the detail.
  function problemText(problem) {
    const field = problem.errors && problem.errors[0];
    return field ? field.message : problem.detail;
  }

  window.pitstop = { refresh, localize, refocus, api, problemText };
  localize(document);
  tick();
  setInterval(tick, 1000);
  live();
})();

// Windows: the create/edit form (presets, preview in the window's zone, field errors) and
// the occurrence actions behind a confirmation. Everything goes through /v1.
"use strict";
(function () {
  const send = window.pitstop.send;

  const call = (url, method, body) => window.pitstop.api(url, method, body);

  // ---- the form -------------------------------------------------------------------
  const form = document.getElementById("window-form");
  if (form) {
    const zones = form.querySelector("#zones");
    (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []).forEach((z) => {
      const option = document.createElement("option");
      option.value = z;
      zones.appendChild(option);
    });
    if (!form.timezone.value) {
      form.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    }
    const seconds = Number(form.dataset.durationS);
    form.hours.value = Math.floor(seconds / 3600);
    form.minutes.value = Math.floor(seconds % 3600 / 60);

    const preset = form.preset, rrule = form.rrule;
    const stored = form.dataset.rrule;
    if (stored) {
      const weekly = stored.match(/^FREQ=WEEKLY;BYDAY=([A-Z,]+)$/);
      const monthly = stored.match(/^FREQ=MONTHLY;BYMONTHDAY=(\d+)$/);
      if (stored === "FREQ=DAILY") preset.value = "daily";
      else if (weekly) {
        preset.value = "weekly";
        weekly[1].split(",").forEach((d) => {
          const box = form.querySelector(`input[name=byday][value=${d}]`);
          if (box) box.checked = true;
        });
      } else if (monthly) { preset.value = "monthly"; form.monthday.value = monthly[1]; }
      else preset.value = "custom";
      rrule.value = stored;
    }

    function compose() {
      form.querySelectorAll("[data-preset]").forEach((el) => {
        el.hidden = el.dataset.preset !== preset.value;
      });
      rrule.readOnly = preset.value !== "custom";
      if (preset.value === "once") rrule.value = "";
      else if (preset.value === "daily") rrule.value = "FREQ=DAILY";
      else if (preset.value === "weekly") {
        const days = [...form.querySelectorAll("input[name=byday]:checked")].map((b) => b.value);
        rrule.value = days.length ? `FREQ=WEEKLY;BYDAY=${days.join(",")}` : "FREQ=WEEKLY";
      } else if (preset.value === "monthly") {
        rrule.value = `FREQ=MONTHLY;BYMONTHDAY=${form.monthday.value || 1}`;
      }
    }
    form.addEventListener("change", (event) => { if (event.target !== rrule) compose(); });
    compose();  // a stored custom rule stays as it is

    function affects() {
      return form.affects.value.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
        const [what, impact] = line.split(/\s+/);
        const selector = what.includes("=") && !what.includes(":")
          ? { labels: Object.fromEntries(what.split(",").map((p) => p.split("="))) } : what;
        return impact ? { selector, impact: impact.toUpperCase() } : { selector };
      });
    }

    function body() {
      const duration = Number(form.hours.value || 0) * 3600 + Number(form.minutes.value || 0) * 60;
      return {
        title: form.title.value.trim(), description: form.description.value,
        start: form.start.value.length === 16 ? form.start.value + ":00" : form.start.value,
        timezone: form.timezone.value.trim(), duration,
        rrule: rrule.value.trim() || null, affects: affects(),
        reminders: form.reminders.value.split(",").map((r) => r.trim()).filter(Boolean),
        public: form.public.checked, gates_work: form.gates_work.checked,
      };
    }

    function showErrors(problem) {
      form.querySelectorAll("[data-error-for]").forEach((el) => { el.hidden = true; el.textContent = ""; });
      if (!problem) return;
      const errors = problem.errors && problem.errors.length ? problem.errors
        : [{ field: "form", message: problem.detail }];
      errors.forEach(({ field, message }) => {
        const key = String(field || "form").split(".")[0].split("[")[0];
        const el = form.querySelector(`[data-error-for="${key}"]`) ||
          form.querySelector('[data-error-for="form"]');
        el.textContent = el.textContent ? `${el.textContent} ${message}` : message;
        el.hidden = false;
      });
    }

    form.querySelector("[data-preview]").addEventListener("click", async () => {
      const b = body();
      const result = await call("/v1/recurrence/preview", "POST", {
        start: b.start, timezone: b.timezone, duration: b.duration, rrule: b.rrule, count: 5 });
      const section = form.querySelector(".preview");
      if (!result.ok) { showErrors(result.data); section.hidden = true; return; }
      showErrors(null);
      const fmt = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit",
        minute: "2-digit", timeZone: b.timezone, timeZoneName: "short" });
      const list = section.querySelector("ol");
      list.innerHTML = "";
      result.data.occurrences.forEach((o) => {
        const item = document.createElement("li");
        item.textContent = `${fmt.format(new Date(o.start))} – ${fmt.format(new Date(o.end))}`;
        list.appendChild(item);
      });
      section.hidden = false;
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await call(form.dataset.url, form.dataset.method, body());
      if (!result.ok) { showErrors(result.data); return; }
      location.assign(`/console/windows/${result.data.id}`);
    });
  }

  // ---- occurrence actions ---------------------------------------------------------
  const dialog = document.getElementById("occ-dialog");
  if (!dialog) return;
  const dform = dialog.querySelector("form");
  const error = dialog.querySelector(".error");
  let pending = null, opener = null;
  const words = {
    complete: ["Complete this occurrence now?", "It ends now; leases are granted again."],
    cancel: ["Cancel this occurrence?", "It will not run (if it is running, it ends now). It is never generated again."],
    move: ["Move this occurrence", "It keeps its place in the series; its reminders follow the new start."],
    delete: ["Delete this occurrence?", "It disappears from the schedule and is never generated again."],
    update: ["Post an update", "Tell the public how this maintenance is going."],
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-occ]");
    if (!button) return;
    opener = button;
    pending = button;
    const [title, text] = words[button.dataset.occ];
    dialog.querySelector("h2").textContent = title;
    dialog.querySelector("#occ-text").textContent = text;
    const moving = button.dataset.occ === "move";
    dialog.querySelector("[data-move]").hidden = !moving;
    if (moving) { dform.start.value = button.dataset.start; dform.end.value = button.dataset.end; }
    const updating = button.dataset.occ === "update";
    dialog.querySelector("[data-update]").hidden = !updating;
    if (updating) { dform.body.value = ""; dform.phase.value = ""; }
    error.hidden = true;
    dialog.showModal();
    (moving ? dform.start : updating ? dform.body : dialog.querySelector("[data-submit]")).focus();
  });
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => window.pitstop.refocus(opener));
  dform.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = pending.dataset.occ, url = pending.dataset.url;
    let message;
    if (action === "delete") message = await send(url, undefined, "DELETE");
    else if (action === "update") {
      message = await send(`${url}/updates`, { body: dform.body.value, status: dform.phase.value || null });
    }
    else if (action === "move") {
      message = await send(url, { start: dform.start.value + ":00", end: dform.end.value + ":00" }, "PATCH");
    } else message = await send(url, { status: action === "complete" ? "COMPLETED" : "CANCELLED" }, "PATCH");
    if (message) { error.textContent = message; error.hidden = false; return; }
    dialog.close();
    await window.pitstop.refresh();
  });
})();

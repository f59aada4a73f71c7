// Channels, tokens and silence rules: forms and buttons that call the API, with a confirmation where it
// matters and the answer shown next to the control.
"use strict";
(function () {
  const notice = document.getElementById("notice");
  const call = (url, method, body) => window.pitstop.api(url, method, body);

  function tell(message, isError) {
    notice.textContent = message || "";
    notice.hidden = !message;
    notice.classList.toggle("error", Boolean(isError));
    notice.setAttribute("role", isError ? "alert" : "status");
  }

  function fieldErrors(form, problem) {
    form.querySelectorAll("[data-error-for]").forEach((el) => { el.hidden = true; el.textContent = ""; });
    if (!problem) return;
    const errors = problem.errors && problem.errors.length ? problem.errors
      : [{ field: "form", message: problem.detail }];
    errors.forEach(({ field, message }) => {
      const el = form.querySelector(`[data-error-for="${String(field).split(".")[0]}"]`) ||
        form.querySelector('[data-error-for="form"]');
      el.textContent = message;
      el.hidden = false;
    });
  }

  // A silence rule's form: "env=prod,region=eu" is a label selector, each line a matcher
  // (name=value, name!=value, name=~regex, name!~regex); the API says what is wrong.
  const OPS = { "=": [false, true], "!=": [false, false], "=~": [true, true], "!~": [true, false] };
  function silenceRule(body) {
    const selector = String(body.selector || "").trim();
    if (selector.includes("=")) {
      const labels = {};
      selector.split(",").filter((p) => p.trim()).forEach((p) => {
        const at = p.indexOf("=");
        labels[p.slice(0, at).trim()] = p.slice(at + 1).trim();
      });
      body.selector = { labels };
    }
    body.matchers = String(body.matchers || "").split("\n").filter((l) => l.trim()).map((line) => {
      const m = line.trim().match(/^([^=!~]*)(=~|!~|!=|=)(.*)$/);
      if (!m) return { name: line.trim(), value: "" };
      return { name: m[1].trim(), value: m[3], isRegex: OPS[m[2]][0], isEqual: OPS[m[2]][1] };
    });
    if (body.padding_s !== undefined) body.padding_s = Number(body.padding_s);
  }

  document.querySelectorAll("form[data-api]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      // data-keep: every field is sent (an emptied one is cleared) and stays as typed.
      const keep = form.hasAttribute("data-keep");
      new FormData(form).forEach((value, key) => { if (keep || String(value).trim()) body[key] = value; });
      if (form.hasAttribute("data-silence-rule")) silenceRule(body);
      const result = await call(form.dataset.api, form.dataset.method, body);
      if (!result.ok) { fieldErrors(form, result.data); return; }
      fieldErrors(form, null);
      if (form.hasAttribute("data-subscribe")) {
        await call("/v1/subscriptions", "POST", { channel: result.data.id });
        tell(`Channel ${result.data.name} added; it gets every kind of notification.`);
      }
      if (form.hasAttribute("data-show-token")) {
        const box = document.querySelector("[data-token-box]");
        box.querySelector("pre").textContent = result.data.token;
        box.hidden = false;
        tell(`Token ${result.data.name} created.`);
      }
      if (keep) tell("Saved.");
      else form.reset();
      await window.pitstop.refresh();
    });
  });

  const dialog = document.getElementById("confirm-dialog");
  function confirmFirst(message) {
    return new Promise((resolve) => {
      dialog.querySelector("#confirm-text").textContent = message;
      const form = dialog.querySelector("form");
      const done = (answer) => { form.onsubmit = null; dialog.onclose = null; resolve(answer); };
      form.onsubmit = (event) => { event.preventDefault(); dialog.close(); done(true); };
      dialog.onclose = () => done(false);
      dialog.querySelector("[data-close]").onclick = () => dialog.close();
      dialog.showModal();
      dialog.querySelector("[data-submit]").focus();
    });
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-api]");
    if (!button) return;
    if (button.dataset.confirm && !(await confirmFirst(button.dataset.confirm))) {
      button.focus();
      return;
    }
    button.disabled = true;
    const result = await call(button.dataset.api, button.dataset.method);
    button.disabled = false;
    tell(result.ok ? (button.dataset.done || "") : result.data.detail, !result.ok);
    await window.pitstop.refresh();
    window.pitstop.refocus(button);
  });
})();

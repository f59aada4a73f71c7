// The console: the maintenance switch dialog and refresh. Actions go to the documented API
// (/v1/...), authenticated by the session cookie and carrying its CSRF token.
"use strict";
(function () {
  // Send a change; null when it worked, else the message to show (its problem type is
  // kept in lastProblem).
  let lastProblem = "";
  async function post(url, body, method = "POST") {
    const result = await window.pitstop.api(url, method, body);
    lastProblem = result.ok ? "" : result.data.type || "";
    return result.ok ? null : window.pitstop.problemText(result.data);
  }

  const dialog = document.getElementById("switch-dialog");
  let opener = null;

  function count() {
    const text = dialog.querySelector("textarea");
    const max = Number(text.dataset.max);
    const counter = dialog.querySelector(".counter");
    counter.textContent = `${text.value.length} / ${max}`;
    counter.classList.toggle("over", text.value.length > max);
  }

  function showError(message) {
    const error = dialog.querySelector(".error");
    error.textContent = message || "";
    error.hidden = !message;
    dialog.querySelector("textarea").setAttribute("aria-invalid", message ? "true" : "false");
  }

  function open(button) {
    opener = button;
    const form = dialog.querySelector("form");
    const entering = button.dataset.switch === "enter";
    const label = entering ? "Enter maintenance" : "Exit maintenance";
    form.dataset.url = button.dataset.url;
    dialog.querySelector("h2").textContent = button.dataset.title || label;
    dialog.querySelector("[data-submit]").textContent = label;
    dialog.querySelector("#switch-help").textContent = button.dataset.help || "";
    form.reason.value = "";
    form.public_message.value = "";
    if (form.all) form.all.checked = false;
    // Offered to admins only once a disruption budget refused this enter.
    if (form.force) { form.force.checked = false; form.force.closest("label").hidden = true; }
    dialog.querySelectorAll("[data-enter-only]").forEach((el) => { el.hidden = !entering; });
    dialog.querySelectorAll("[data-exit-only]").forEach((el) => { el.hidden = entering; });
    form.dataset.entering = entering ? "1" : "";
    showError("");
    count();
    dialog.showModal();
    form.reason.focus();
  }

  if (dialog) {
    const form = dialog.querySelector("form");
    form.reason.addEventListener("input", () => { count(); showError(""); });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => window.pitstop.refocus(opener));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const reason = form.reason.value.trim();
      const max = Number(form.reason.dataset.max);
      if (!reason) { showError("A reason is required."); form.reason.focus(); return; }
      if (form.reason.value.length > max) {
        showError(`The reason is ${form.reason.value.length} characters; the limit is ${max}.`);
        form.reason.focus();
        return;
      }
      const body = { reason };
      const publicMessage = form.public_message.value.trim();
      if (form.dataset.entering && publicMessage) {
        if (publicMessage.length > max) {
          showError(`The public message is ${publicMessage.length} characters; the limit is ${max}.`);
          form.public_message.focus();
          return;
        }
        body.public_message = publicMessage;
      }
      if (!form.dataset.entering && form.all && form.all.checked) body.all = true;
      if (form.dataset.entering && form.force && form.force.checked) body.force = true;
      const submit = dialog.querySelector("[data-submit]");
      submit.disabled = true;
      const error = await post(form.dataset.url, body);
      submit.disabled = false;
      if (error) {
        showError(error);
        if (form.force && lastProblem.endsWith("/disruption-budget")) {
          form.force.closest("label").hidden = false;
        }
        return;
      }
      dialog.close();
      await window.pitstop.refresh();
    });
  }

  window.pitstop.send = post;

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-switch], [data-refresh]");
    if (!target) return;
    if (target.hasAttribute("data-refresh")) window.pitstop.refresh();
    else open(target);
  });
})();

// The console's Branding page: uploading the logo (the file's bytes, as the API takes
// them) and saving the service groups (written one group per line).
"use strict";
(function () {
  const notice = document.getElementById("notice");
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  function show(form, field, message) {
    const el = form.querySelector(`[data-error-for="${field}"]`);
    el.textContent = message || "";
    el.hidden = !message;
  }

  function tell(message) {
    notice.textContent = message;
    notice.hidden = false;
    notice.classList.remove("error");
    notice.setAttribute("role", "status");
  }

  const logo = document.querySelector("form[data-logo]");
  logo.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = logo.querySelector("input[type=file]").files[0];
    if (!file) { show(logo, "logo", "Choose an image file first."); return; }
    const response = await fetch("/v1/branding/logo", {
      method: "PUT", credentials: "same-origin", body: file,
      headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": csrf() } });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { show(logo, "logo", window.pitstop.problemText(data) || `The server answered ${response.status}.`); return; }
    show(logo, "logo", "");
    logo.reset();
    tell("Logo uploaded.");
    await window.pitstop.refresh();
  });

  const groups = document.querySelector("form[data-groups]");
  groups.addEventListener("submit", async (event) => {
    event.preventDefault();
    const lines = groups.querySelector("textarea").value.split("\n").filter((l) => l.trim());
    const body = { groups: lines.map((line) => {
      const cut = line.indexOf(":");
      const name = (cut < 0 ? line : line.slice(0, cut)).trim();
      const services = cut < 0 ? [] : line.slice(cut + 1).split(",").map((s) => s.trim()).filter(Boolean);
      return { name, services };
    }) };
    const result = await window.pitstop.api("/v1/service-groups", "PUT", body);
    if (!result.ok) { show(groups, "groups", window.pitstop.problemText(result.data)); return; }
    show(groups, "groups", "");
    tell(`Groups saved: ${result.data.items.length}.`);
    await window.pitstop.refresh();
  });
})();

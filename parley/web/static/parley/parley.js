// Parley's small shell script: keyboard shortcuts and auto-submitting selects.
// Loaded as a static file (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function typing(target) {
    if (!(target instanceof HTMLElement)) return false;
    const tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  let pendingG = false;
  let pendingTimer = null;

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/") {
      const search = document.querySelector("[data-shortcut='search']");
      if (search && !search.disabled) {
        event.preventDefault();
        search.focus();
      }
      return;
    }
    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      const link = event.key === "i" && document.querySelector("a[data-nav='inbox']");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
      return;
    }
    if (event.key === "g") {
      pendingG = true;
      pendingTimer = setTimeout(function () { pendingG = false; }, 1500);
    }
  });

  document.addEventListener("change", function (event) {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) {
      select.form.requestSubmit();
    }
  });
})();

// Caller identification (templates/web/call_live.html): when the agent has ticked "Open the
// caller's card automatically" (kept in this browser), a newly ringing call opens the card of
// its contact, lead or call once. Each call opens once per browser tab, so the 5-second poll
// does not pull the agent back to it. No inline code (CSP).
(function () {
  "use strict";
  const KEY = "parley.autoOpenCaller";
  const SEEN = "parley.openedCalls";

  function enabled() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function seen() {
    try { return JSON.parse(window.sessionStorage.getItem(SEEN) || "[]"); } catch (e) { return []; }
  }

  function remember(ids) {
    try { window.sessionStorage.setItem(SEEN, JSON.stringify(ids.slice(-50))); } catch (e) { /* private mode */ }
  }

  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-auto-open]")) return;
    try { window.localStorage.setItem(KEY, event.target.checked ? "1" : "0"); } catch (e) { /* private mode */ }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "live-notices") return;
    const on = enabled();
    event.target.querySelectorAll("[data-auto-open]").forEach(function (box) { box.checked = on; });
    if (!on) return;
    const opened = seen();
    const ringing = event.target.querySelector("[data-ringing][data-call]");
    if (!ringing || opened.indexOf(ringing.dataset.call) !== -1) return;
    opened.push(ringing.dataset.call);
    remember(opened);
    if (window.location.pathname !== ringing.dataset.open) window.location.assign(ringing.dataset.open);
  });
})();

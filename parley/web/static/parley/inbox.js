// Inbox: show the number of conversations with new activity in the browser tab title.
// The count comes from the #new-indicator fragment that htmx polls (no inline script).
(function () {
  "use strict";
  var baseTitle = document.title;
  function update() {
    var indicator = document.getElementById("new-indicator");
    var count = indicator ? parseInt(indicator.getAttribute("data-new-count") || "0", 10) : 0;
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("DOMContentLoaded", update);
})();

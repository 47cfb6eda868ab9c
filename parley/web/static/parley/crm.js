// CRM lists: move a column up or down in the "Columns, in order" chooser, then let the
// filter form (htmx) reload the list with the new order.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".column-chooser [data-move]");
    if (!button) return;
    const item = button.closest("li");
    if (button.dataset.move === "up" && item.previousElementSibling) {
      item.parentElement.insertBefore(item, item.previousElementSibling);
    } else if (button.dataset.move === "down" && item.nextElementSibling) {
      item.parentElement.insertBefore(item.nextElementSibling, item);
    } else {
      return;
    }
    button.focus();
    const box = item.querySelector("input[type=checkbox]");
    if (box && box.checked) {
      box.form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();

// The contact page's call button: following the tel: link also logs the call on the
// contact's timeline (a POST with the page's CSRF token; the link itself still opens).
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-log-call]");
    if (!link) return;
    const body = new FormData();
    body.append("phone", link.dataset.phone);
    fetch(link.dataset.logCall, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      keepalive: true,
    });
  });
})();

// The header search box: instant results (fetched by htmx) navigable with the keyboard.
// ArrowDown/ArrowUp move between results, Enter opens one, Escape closes the list.
(function () {
  "use strict";

  function box() { return document.getElementById("search-instant"); }
  function input() { return document.getElementById("global-search"); }
  function options() { return Array.from(box().querySelectorAll("a[role='option']")); }

  function close() {
    const list = box();
    if (!list) return;
    list.replaceChildren();
    input().setAttribute("aria-expanded", "false");
  }

  function move(step) {
    const items = options();
    if (!items.length) return;
    const index = items.indexOf(document.activeElement);
    const next = index === -1 ? (step > 0 ? 0 : items.length - 1) : index + step;
    if (next < 0 || next >= items.length) {
      input().focus();
      return;
    }
    items[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    const list = box();
    if (!list) return;
    const inside = event.target === input() || list.contains(event.target);
    if (!inside) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape") {
      close();
      input().focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const list = box();
    if (list && event.target === list) {
      input().setAttribute("aria-expanded", list.children.length ? "true" : "false");
    }
  });

  document.addEventListener("click", function (event) {
    const form = input() && input().form;
    if (form && !form.contains(event.target)) close();
  });
})();

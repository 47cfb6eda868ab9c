// Keyboard shortcuts of the e-mail triage list: j/k move, x select, c create a lead,
// a attach, i ignore, u undo, Enter open. Buttons carry data-key; nothing runs inline (CSP).
(function () {
  "use strict";
  let current = -1;

  function rows() {
    return Array.from(document.querySelectorAll("tr[data-row]"));
  }

  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      row.classList.toggle("is-current", i === current);
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function press(key) {
    const row = rows()[current];
    if (!row) return false;
    const target = row.querySelector('[data-key="' + key + '"]');
    if (!target) return false;
    target.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    let handled = true;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "x") {
      const box = rows()[current] && rows()[current].querySelector('input[type="checkbox"]');
      if (box) box.checked = !box.checked;
    } else if (event.key === "Enter" && rows()[current]) {
      window.location.href = rows()[current].dataset.open;
    } else if (["c", "a", "i", "u"].indexOf(event.key) !== -1) handled = press(event.key);
    else handled = false;
    if (handled) event.preventDefault();
  });
})();

// Record autocomplete (templates/web/partials/triage_lookup_field.html): htmx loads the
// options under the search box; choosing one puts its value in the hidden input. Typing again
// forgets the choice, so what is posted always matches what the box shows. No inline code (CSP).
(function () {
  "use strict";

  function clear(box) {
    const list = box.querySelector(".lookup-options");
    if (list) list.innerHTML = "";
    box.querySelector('input[type="search"]').setAttribute("aria-expanded", "false");
  }

  // A box with data-lookup-fills="name phone" copies those values of the chosen option into
  // the form's fields of the same names, when they are still empty.
  function fill(box, option) {
    const names = (box.dataset.lookupFills || "").split(" ").filter(Boolean);
    const form = box.closest("form");
    if (!names.length || !form || !option.dataset.lookupFill) return;
    let values;
    try { values = JSON.parse(option.dataset.lookupFill); } catch (e) { return; }
    names.forEach(function (name) {
      const input = form.elements.namedItem(name);
      if (input && "value" in input && !input.value && values[name]) input.value = values[name];
    });
  }

  document.addEventListener("click", function (event) {
    const option = event.target.closest && event.target.closest("[data-lookup-value]");
    const box = option && option.closest("[data-lookup]");
    if (!box) return;
    event.preventDefault();
    box.querySelector("[data-lookup-input]").value = option.dataset.lookupValue;
    const search = box.querySelector('input[type="search"]');
    search.value = option.dataset.lookupLabel;
    fill(box, option);
    clear(box);
    search.focus();
  });

  document.addEventListener("input", function (event) {
    const box = event.target.closest && event.target.closest("[data-lookup]");
    if (!box || event.target.type !== "search") return;
    box.querySelector("[data-lookup-input]").value = "";
    if (!event.target.value.trim()) clear(box);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const box = event.target.closest && event.target.closest("[data-lookup]");
    if (!box) return;
    const open = event.target.children.length > 0;
    box.querySelector('input[type="search"]').setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Down arrow from the box moves into the options; Escape closes them.
  document.addEventListener("keydown", function (event) {
    const box = event.target.closest && event.target.closest("[data-lookup]");
    if (!box) return;
    if (event.key === "ArrowDown" && event.target.type === "search") {
      const first = box.querySelector("[data-lookup-value]");
      if (first) { first.focus(); event.preventDefault(); }
    } else if (event.key === "Escape") {
      clear(box);
    }
  });
})();

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

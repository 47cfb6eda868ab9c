// The composer: address suggestions, canned-response picker, drag-and-drop attachments.
// Loaded as a static file (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";

  function csrfToken() {
    const input = document.querySelector("#compose-form input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Address suggestions from contacts: the last address being typed is completed.
  function lastToken(value) {
    const parts = value.split(/[,;]/);
    return parts[parts.length - 1].trim();
  }

  function setupAddresses(form) {
    const url = form.dataset.addressesUrl;
    form.querySelectorAll("[data-address-input]").forEach(function (input) {
      const list = input.parentElement.querySelector(".suggestions");
      let timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        const token = lastToken(input.value);
        if (token.length < 2) { list.hidden = true; return; }
        timer = setTimeout(function () {
          fetch(url + "?q=" + encodeURIComponent(token), { credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (data) {
              list.replaceChildren();
              data.results.forEach(function (item) {
                const li = document.createElement("li");
                const button = document.createElement("button");
                button.type = "button";
                button.className = "button-link";
                button.textContent = item.name ? item.name + " <" + item.address + ">" : item.address;
                button.addEventListener("click", function () {
                  const parts = input.value.split(/[,;]/);
                  parts[parts.length - 1] = " " + item.address;
                  input.value = parts.join(",").replace(/^[\s,]+/, "") + ", ";
                  list.hidden = true;
                  input.focus();
                  input.dispatchEvent(new Event("change", { bubbles: true }));
                });
                li.appendChild(button);
                list.appendChild(li);
              });
              list.hidden = data.results.length === 0;
            });
        }, 200);
      });
    });
  }

  // Canned responses: filter by name, insert the filled-in text at the cursor.
  function setupTemplates(form) {
    const search = form.querySelector("[data-template-search]");
    const warning = form.querySelector("[data-template-warning]");
    if (search) {
      search.addEventListener("input", function () {
        const q = search.value.trim().toLowerCase();
        form.querySelectorAll("[data-template-url]").forEach(function (button) {
          button.parentElement.hidden = q !== "" && button.dataset.name.indexOf(q) === -1;
        });
      });
    }
    form.querySelectorAll("[data-template-url]").forEach(function (button) {
      button.addEventListener("click", function () {
        fetch(button.dataset.templateUrl, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            const editor = form.querySelector("trix-editor");
            if (editor && editor.editor) editor.editor.insertHTML(data.body_html);
            const subject = form.querySelector("input[name=subject]");
            if (subject && !subject.value && data.subject) subject.value = data.subject;
            if (warning) {
              warning.hidden = data.unknown.length === 0;
              warning.textContent = data.unknown.length ? warning.dataset.message.replace("%(names)s", data.unknown.join(", ")) : "";
            }
            form.dispatchEvent(new Event("change", { bubbles: true }));
          });
      });
    });
  }

  // Attachments: dropped files (on the attachment box or the editor) are uploaded.
  function upload(zone, files) {
    const data = new FormData();
    Array.prototype.forEach.call(files, function (file) { data.append("files", file); });
    fetch(zone.dataset.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        const target = document.getElementById("attachments");
        if (target) target.outerHTML = html;
        if (window.htmx) window.htmx.process(document.getElementById("attachments"));
      });
  }

  function setupDropzone() {
    const zone = document.querySelector("[data-dropzone]");
    if (!zone) return;
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) upload(zone, event.dataTransfer.files);
    });
    // Files dropped into the editor become attachments, not inline Trix attachments.
    document.addEventListener("trix-file-accept", function (event) {
      event.preventDefault();
      if (event.file) upload(zone, [event.file]);
    });
  }

  // The toolbar's labels in the page's language: the template puts the translated strings
  // on <trix-editor> as data-trix-lang-* attributes (data-trix-lang-url-placeholder sets
  // Trix.config.lang.urlPlaceholder). Trix builds the toolbar right after this event; this
  // script is loaded before Trix so that the listener is there whenever Trix starts.
  document.addEventListener("trix-before-initialize", function (event) {
    if (!window.Trix || !event.target.dataset) return;
    const lang = window.Trix.config.lang;
    Object.keys(event.target.dataset).forEach(function (key) {
      if (key.indexOf("trixLang") !== 0 || key.length <= 8) return;
      const name = key.charAt(8).toLowerCase() + key.slice(9);
      if (Object.prototype.hasOwnProperty.call(lang, name)) lang[name] = event.target.dataset[key];
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("compose-form");
    if (!form) return;
    setupAddresses(form);
    setupTemplates(form);
    setupDropzone();
  });
})();

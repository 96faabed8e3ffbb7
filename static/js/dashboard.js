/* Storedesk dashboard pages: bulk selection, confirmations on chosen values and a few keyboard
   helpers (the time-zone cookie: timezone.js). Progressive enhancement: every page works without it. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // ---- bulk selection on the product list ------------------------------------------------
  function bulkForm(node) { return node && node.closest ? node.closest("form[data-bulk]") : null; }

  function refreshBulk(form) {
    if (!form) { return; }
    var items = form.querySelectorAll("input[data-bulk-item]");
    var checked = form.querySelectorAll("input[data-bulk-item]:checked");
    var bar = form.querySelector("[data-bulk-bar]");
    var all = form.querySelector("input[data-bulk-all]");
    var count = form.querySelector("[data-bulk-count]");
    if (count) { count.textContent = String(checked.length); }
    if (bar) { bar.hidden = checked.length === 0; }
    if (all) {
      all.checked = items.length > 0 && checked.length === items.length;
      all.indeterminate = checked.length > 0 && checked.length < items.length;
    }
    refreshBulkArgs(form);
  }

  function refreshBulkArgs(form) {
    var select = form.querySelector("[data-bulk-action]");
    if (!select) { return; }
    form.querySelectorAll(".bulk-arg").forEach(function (arg) {
      var show = (arg.dataset.for || "").split(" ").indexOf(select.value) !== -1;
      arg.hidden = !show;
      arg.querySelectorAll("input, select").forEach(function (input) { input.disabled = !show; });
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = bulkForm(target);
    if (form) {
      if (target.matches("input[data-bulk-all]")) {
        form.querySelectorAll("input[data-bulk-item]").forEach(function (box) { box.checked = target.checked; });
      }
      refreshBulk(form);
    }
  });

  document.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-bulk-clear]");
    if (clear) {
      var form = bulkForm(clear);
      form.querySelectorAll("input[data-bulk-item], input[data-bulk-all]").forEach(function (box) { box.checked = false; });
      refreshBulk(form);
      // The bar (and the focused button) is now hidden: keep the keyboard in the table.
      var all = form.querySelector("input[data-bulk-all]");
      if (all) { all.focus(); }
      return;
    }
    // A submit button that needs its own confirmation (e.g. "take all of theirs").
    var button = event.target.closest("button[type=submit]");
    if (!button || !button.form) { return; }
    var owner = button.form;
    var hidden = owner.querySelector("input[data-submitter]");
    if (hidden) { hidden.remove(); }
    if (button.dataset.confirmButton) {
      owner.dataset.confirm = button.dataset.confirmButton;
      // app.js re-submits after the dialog without the clicked button: carry its value.
      if (button.name) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        hidden.setAttribute("data-submitter", "");
        owner.appendChild(hidden);
      }
    } else if (owner.hasAttribute("data-confirm-per-button")) {
      delete owner.dataset.confirm;
    }
  }, true);

  // Status changes that tell the customer "no": confirm first (capture: before app.js decides).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-status-form")) { return; }
    var select = form.querySelector("select");
    var destructive = (form.dataset.destructive || "").split(" ");
    if (select && destructive.indexOf(select.value) !== -1) {
      form.dataset.confirm = form.dataset.confirmDestructive;
    } else {
      delete form.dataset.confirm;
    }
  }, true);

  function init(root) {
    root.querySelectorAll("form[data-bulk]").forEach(refreshBulk);
    var summary = root.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
    root.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("button[data-confirm-button]")) { form.setAttribute("data-confirm-per-button", ""); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });

  // "/" jumps to the page's search box (as in most admin tools); Escape leaves it.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var search = document.querySelector(".filter-search input[type=search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "Escape" && target.matches && target.matches(".filter-search input[type=search]")) {
      target.blur();
    }
  });
})();

/* Storedesk: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Confirm before destructive form submissions: <form data-confirm="Question?">.
  var dialog = null;
  var pendingForm = null;

  function confirmDialog() {
    if (!dialog) {
      dialog = document.getElementById("confirm-dialog");
      if (dialog) {
        dialog.addEventListener("close", function () {
          var form = pendingForm;
          pendingForm = null;
          if (form && dialog.returnValue === "confirm") {
            form.dataset.confirmed = "1";
            if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
          }
        });
      }
    }
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.dataset.confirm && form.dataset.confirmed !== "1") {
      var d = confirmDialog();
      if (d && typeof d.showModal === "function") {
        event.preventDefault();
        pendingForm = form;
        d.querySelector("[data-confirm-text]").textContent = form.dataset.confirm;
        d.returnValue = "";
        d.showModal();
        var cancel = d.querySelector('button[value="cancel"]');
        if (cancel) { cancel.focus(); }
        return;
      }
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    }
    delete form.dataset.confirmed;
    // Busy state for slow actions (e.g. test connection): <form data-busy-label="Testing…">.
    if (form.dataset.busyLabel) {
      var button = form.querySelector('button[type="submit"]');
      if (button) {
        button.setAttribute("aria-busy", "true");
        button.textContent = form.dataset.busyLabel;
      }
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    // Dismiss a flash message.
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var flash = dismiss.closest(".flash");
      if (flash) { flash.remove(); }
      return;
    }
    // Mobile sidebar.
    var sidebar = document.getElementById("sidebar");
    var backdrop = document.querySelector("[data-sidebar-close]");
    var toggle = target.closest("[data-sidebar-toggle]");
    if (toggle && sidebar) {
      var open = !sidebar.classList.contains("is-open");
      sidebar.classList.toggle("is-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (backdrop) { backdrop.hidden = !open; }
      return;
    }
    if (target.closest("[data-sidebar-close]") && sidebar) {
      sidebar.classList.remove("is-open");
      if (backdrop) { backdrop.hidden = true; }
    }
    // Close the user menu when clicking elsewhere.
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) { menu.removeAttribute("open"); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) { summary.focus(); }
    });
    var sidebar = document.getElementById("sidebar");
    if (sidebar && sidebar.classList.contains("is-open")) {
      sidebar.classList.remove("is-open");
      var backdrop = document.querySelector("[data-sidebar-close]");
      if (backdrop) { backdrop.hidden = true; }
    }
  });
})();

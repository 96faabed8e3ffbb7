/* The project board: move a card to another column by drag and drop or by keyboard (Alt + arrows,
   Alt + Home/End). Each move is one htmx POST that answers the refreshed board; no page reload.
   Without JavaScript the task page's status form does the same. */
(function () {
  "use strict";

  var ORDER = ["todo", "in_progress", "review", "testing", "done", "blocked"];

  function board() { return document.getElementById("board"); }

  function move(card, status) {
    if (!card || !status || status === card.dataset.status || !window.htmx) { return; }
    var root = board();
    var query = root && root.dataset.filterQuery ? "?" + root.dataset.filterQuery : "";
    card.classList.add("is-moving");
    window.htmx.ajax("POST", card.dataset.moveUrl + query, {
      target: "#board", swap: "outerHTML", values: { status: status }
    });
  }

  function isRtl() { return document.documentElement.dir === "rtl"; }

  document.addEventListener("keydown", function (event) {
    var card = event.target.closest && event.target.closest(".task-card");
    if (!card) { return; }
    if (event.key === "Enter") {
      var link = card.querySelector(".task-title");
      if (link) { link.click(); }
      return;
    }
    if (!event.altKey) { return; }
    var index = ORDER.indexOf(card.dataset.status);
    var next = null;
    var forward = isRtl() ? "ArrowLeft" : "ArrowRight";
    var backward = isRtl() ? "ArrowRight" : "ArrowLeft";
    if (event.key === forward) { next = ORDER[Math.min(index + 1, ORDER.length - 1)]; }
    else if (event.key === backward) { next = ORDER[Math.max(index - 1, 0)]; }
    else if (event.key === "Home") { next = ORDER[0]; }
    else if (event.key === "End") { next = ORDER[ORDER.length - 1]; }
    if (next) {
      event.preventDefault();
      move(card, next);
    }
  });

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".task-card");
    if (!card) { return; }
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    card.classList.add("is-dragging");
  });
  document.addEventListener("dragend", function (event) {
    var card = event.target.closest && event.target.closest(".task-card");
    if (card) { card.classList.remove("is-dragging"); }
  });
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop-status]");
    if (!zone) { return; }
    event.preventDefault();
    document.querySelectorAll(".is-drop-target").forEach(function (el) { if (el !== zone) { el.classList.remove("is-drop-target"); } });
    zone.classList.add("is-drop-target");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop-status]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("is-drop-target");
    move(document.getElementById(event.dataTransfer.getData("text/plain")), zone.dataset.dropStatus);
  });

  // After a move the board is replaced: give focus back to the moved card and announce its column.
  document.addEventListener("htmx:afterSwap", function () {
    var root = board();
    if (!root || !root.dataset.moved) { return; }
    var card = document.getElementById("task-" + root.dataset.moved);
    if (!card) { return; }
    card.classList.add("just-moved");
    card.focus();
    var status = document.getElementById("board-status");
    var column = card.closest(".board-column");
    var title = column && column.querySelector(".column-title");
    if (status && title) { status.textContent = status.dataset.movedText + " " + title.firstChild.textContent.trim(); }
  });
})();

/* The product page's images: drag an image by its picture to reorder them. The new order is
   posted by the page's own form (#image-order-form); without JavaScript, each image's
   "Move up" / "Move down" buttons do the same. */
(function () {
  "use strict";

  var list = document.querySelector("[data-image-order]");
  if (!list) { return; }
  var form = document.getElementById(list.getAttribute("data-image-order"));
  var dragged = null;
  var before = "";

  function order() {
    return Array.prototype.map.call(list.querySelectorAll("[data-image-id]"), function (item) {
      return item.getAttribute("data-image-id");
    });
  }

  function send() {
    form.querySelectorAll("input[name=order]").forEach(function (input) { input.remove(); });
    order().forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = id;
      form.appendChild(input);
    });
    list.setAttribute("aria-busy", "true");
    form.submit();
  }

  list.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".image-handle");
    if (!handle) { return; }
    dragged = handle.closest("[data-image-id]");
    before = order().join(",");
    dragged.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-image-id"));
  });

  list.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var over = event.target.closest && event.target.closest("[data-image-id]");
    if (!over || over === dragged) { return; }
    var box = over.getBoundingClientRect();
    var after = event.clientY - box.top > box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });

  list.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });

  list.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("is-dragging");
    dragged = null;
    if (order().join(",") !== before) { send(); }
  });
})();

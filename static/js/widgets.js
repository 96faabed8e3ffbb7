/* Storedesk form widgets, a progressive enhancement (the plain controls work without them):
   - <select data-searchable>: a searchable select (Tom Select): type to search, arrows and Enter
     to pick, Backspace to remove; right to left where the page is.
   - <textarea data-richtext='{"tags": [...], "attributes": [...]}'>: a rich-text editor (Squire)
     with a formatting toolbar; HTML loaded or pasted into it is cleaned by DOMPurify to the
     server's allow-list (the server cleans again with nh3 before storing). The textarea stays in
     the form and gets the editor's HTML only once the person changes something, so an untouched
     description is posted exactly as it was loaded.
   The vendored libraries (static/vendor/) are loaded only on pages that have these controls. */
(function () {
  "use strict";

  var me = document.currentScript;
  var config = me ? me.dataset : {};
  var loading = {};

  function load(url, css) {
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var node = document.createElement(css ? "link" : "script");
        if (css) {
          node.rel = "stylesheet";
          node.href = url;
          // Before our own style sheets, so ours win at equal specificity.
          var first = document.head.querySelector("link[rel=stylesheet]");
          document.head.insertBefore(node, first);
        } else {
          node.src = url;
          node.async = false;
          document.head.appendChild(node);
        }
        node.addEventListener("load", resolve);
        node.addEventListener("error", reject);
      });
    }
    return loading[url];
  }

  function label(name, fallback) { return config["l" + name] || fallback; }

  // ---- searchable selects ------------------------------------------------------------------
  function enhanceSelect(select) {
    if (select.tomselect) { return; }
    var multiple = select.multiple;
    var settings = {
      maxOptions: null,
      hidePlaceholder: true,
      closeAfterSelect: !multiple,
      placeholder: label("Search", ""),
      render: {
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(label("NoResults", "No matches")) + "</div>";
        }
      }
    };
    if (multiple) {
      settings.plugins = { remove_button: { title: label("Remove", "Remove") } };
      // After a pick the search starts again, so the next term can be typed at once.
      settings.onItemAdd = function () { this.setTextboxValue(""); this.refreshOptions(false); };
    } else {
      // The chosen term gives way to what is typed (one line, no stale name beside the search).
      settings.onType = function (query) { this.wrapper.classList.toggle("has-query", query !== ""); };
      settings.onChange = function () { this.wrapper.classList.remove("has-query"); };
    }
    var ts = new window.TomSelect(select, settings);
    // Tom Select points the label at its own input; the original (hidden) select keeps its name.
    var fieldLabel = document.getElementById(select.id + "-ts-label");
    if (fieldLabel) { select.setAttribute("aria-labelledby", fieldLabel.id); }
    // Code that enables or disables the original select (the bulk bar) reaches the widget too.
    new MutationObserver(function () {
      if (select.disabled !== ts.isDisabled) {
        if (select.disabled) { ts.disable(); } else { ts.enable(); }
      }
    }).observe(select, { attributes: true, attributeFilter: ["disabled"] });
    var hint = select.closest("form") && select.closest("form").querySelector("[data-select-hint]");
    if (hint) { hint.textContent = hint.getAttribute("data-select-hint"); }
  }

  // ---- rich text -----------------------------------------------------------------------------
  var BLOCK_MARKUP = /<(p|div|br|ul|ol|table|h[1-6]|blockquote|pre)\b/i;
  var ICONS = {
    bullets: '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><circle cx="4" cy="5" r="1.7"/><circle cx="4" cy="10" r="1.7"/><circle cx="4" cy="15" r="1.7"/><path d="M8 5h10M8 10h10M8 15h10"/></svg>',
    numbers: '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><text x="1" y="7.5">1</text><text x="1" y="17.5">2</text><path d="M8 5h10M8 10h10M8 15h10"/></svg>',
    quote: '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M3 4v12M7 6h10M7 10h10M7 14h7"/></svg>',
    link: '<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M8.5 11.5l3-3M7 9l-2 2a2.8 2.8 0 004 4l2-2M13 11l2-2a2.8 2.8 0 00-4-4L9 7"/></svg>'
  };
  var uid = 0;

  // Text without block markup is paragraphs separated by blank lines, as the server shows it.
  function asParagraphs(value) {
    if (!value.trim() || BLOCK_MARKUP.test(value)) { return value; }
    return value.replace(/\r\n?/g, "\n").trim().split(/\n{2,}/).map(function (part) {
      return "<p>" + part.replace(/\n/g, "<br>") + "</p>";
    }).join("");
  }

  function tidy(html, root) {
    if (!root.textContent.trim() && !root.querySelector("img")) { return ""; }
    // Squire keeps a <br> at the end of every block so the caret has a line; the shop needs none.
    // A lone no-break space is the browser's way to keep a typed space at a formatting edge.
    return html.replace(/<br>(?=<\/(p|li|h[1-6]|div|blockquote|pre)>)/g, "")
      .replace(/(^|[^;\s])&nbsp;(?!&nbsp;|\s)/g, "$1 ");
  }

  function button(toolbar, name, text, glyph) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "richtext-button richtext-" + name;
    node.title = text;
    node.setAttribute("aria-pressed", "false");
    node.dataset.command = name;
    var icon = glyph.indexOf("<svg") === 0;
    node.innerHTML = icon ? glyph : '<span aria-hidden="true"></span>';
    if (!icon) { node.firstChild.textContent = glyph; }
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = text;
    node.appendChild(hidden);
    toolbar.appendChild(node);
    return node;
  }

  function enhanceEditor(textarea) {
    if (textarea.dataset.enhanced) { return; }
    textarea.dataset.enhanced = "1";
    var allows = JSON.parse(textarea.getAttribute("data-richtext") || "{}");
    var id = textarea.id || "richtext-" + (++uid);
    var fieldLabel = document.querySelector("label[for='" + id + "']");
    if (fieldLabel && !fieldLabel.id) { fieldLabel.id = id + "-label"; }

    var wrap = document.createElement("div");
    wrap.className = "richtext";
    var toolbar = document.createElement("div");
    toolbar.className = "richtext-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", label("Toolbar", "Formatting") + (fieldLabel ? ": " + fieldLabel.firstChild.textContent.trim() : ""));
    toolbar.setAttribute("aria-controls", id + "-editor");
    var area = document.createElement("div");
    area.className = "richtext-area";
    area.id = id + "-editor";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("dir", textarea.getAttribute("dir") || "auto");
    area.style.minHeight = (Number(textarea.getAttribute("rows")) || 4) * 1.6 + "em";
    if (fieldLabel) { area.setAttribute("aria-labelledby", fieldLabel.id); }
    if (textarea.getAttribute("aria-describedby")) { area.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby")); }
    if (textarea.getAttribute("aria-invalid")) { area.setAttribute("aria-invalid", textarea.getAttribute("aria-invalid")); }

    var buttons = {
      bold: button(toolbar, "bold", label("Bold", "Bold"), "B"),
      italic: button(toolbar, "italic", label("Italic", "Italic"), "I"),
      h2: button(toolbar, "h2", label("Heading", "Heading"), "H2"),
      h3: button(toolbar, "h3", label("Subheading", "Subheading"), "H3"),
      ul: button(toolbar, "ul", label("Bullets", "Bulleted list"), ICONS.bullets),
      ol: button(toolbar, "ol", label("Numbers", "Numbered list"), ICONS.numbers),
      quote: button(toolbar, "quote", label("Quote", "Quote"), ICONS.quote),
      link: button(toolbar, "link", label("Link", "Link"), ICONS.link),
      html: button(toolbar, "html", label("Html", "Edit HTML"), "</>")
    };

    var linkbar = document.createElement("div");
    linkbar.className = "richtext-linkbar";
    linkbar.hidden = true;
    linkbar.innerHTML = '<label></label><input type="url" dir="ltr" autocomplete="off" placeholder="https://">' +
      '<button type="button" class="btn btn-primary btn-sm" data-link="apply"></button>' +
      '<button type="button" class="btn btn-secondary btn-sm" data-link="remove"></button>' +
      '<button type="button" class="btn btn-ghost btn-sm" data-link="cancel"></button>';
    var linkInput = linkbar.querySelector("input");
    linkInput.id = id + "-link";
    linkbar.querySelector("label").htmlFor = linkInput.id;
    linkbar.querySelector("label").textContent = label("LinkAddress", "Link address");
    linkbar.querySelector("[data-link=apply]").textContent = label("Apply", "Apply");
    linkbar.querySelector("[data-link=remove]").textContent = label("Unlink", "Remove link");
    linkbar.querySelector("[data-link=cancel]").textContent = label("Cancel", "Cancel");

    textarea.parentNode.insertBefore(wrap, textarea);
    wrap.appendChild(toolbar);
    wrap.appendChild(linkbar);
    wrap.appendChild(area);
    wrap.appendChild(textarea);
    textarea.hidden = true;

    // As on the server (catalog.richtext.web_url): a link or an image keeps only an absolute
    // address; a relative one would make the browser call Storedesk itself. The other allowed
    // attributes are plain values, not addresses.
    var plainValues = (allows.attributes || []).filter(function (name) { return name !== "href" && name !== "src"; });
    function clean(html) {
      var fragment = window.DOMPurify.sanitize(html, {
        ALLOWED_TAGS: allows.tags, ALLOWED_ATTR: allows.attributes, RETURN_DOM_FRAGMENT: true,
        ALLOWED_URI_REGEXP: /^(?:https?:\/\/[^\/\\]|mailto:)/i, ADD_URI_SAFE_ATTR: plainValues
      });
      return document.importNode(fragment, true);
    }
    var editor = new window.Squire(area, { blockTag: "P", sanitizeToDOMFragment: clean });
    var loadedValue, loadedHTML;

    function fill() {
      loadedValue = textarea.value;
      editor.setHTML(asParagraphs(loadedValue));
      loadedHTML = editor.getHTML();
    }
    fill();
    editor.addEventListener("input", function () {
      var html = editor.getHTML();
      // Back to what was loaded (undo): post it exactly as it was.
      textarea.value = html === loadedHTML ? loadedValue : tidy(html, area);
    });

    function blockIs(tag) {
      var all = true;
      editor.forEachBlock(function (block) { if (block.nodeName !== tag) { all = false; return true; } return false; }, false);
      return all;
    }
    function setBlocks(tag) {
      var target = blockIs(tag) ? "P" : tag;
      editor.modifyBlocks(function (fragment) {
        fragment.querySelectorAll("p, div, h1, h2, h3, h4, h5, h6").forEach(function (block) {
          if (block.closest("li")) { return; }
          var next = document.createElement(target);
          while (block.firstChild) { next.appendChild(block.firstChild); }
          if (block.getAttribute("dir")) { next.setAttribute("dir", block.getAttribute("dir")); }
          block.parentNode.replaceChild(next, block);
        });
        return fragment;
      });
    }
    function refresh() {
      var has = function (tag) { return editor.hasFormat(tag); };
      var states = {
        bold: has("B") || has("STRONG"), italic: has("I") || has("EM"),
        h2: has("H2"), h3: has("H3"), ul: has("UL"), ol: has("OL"), quote: has("BLOCKQUOTE"), link: has("A")
      };
      Object.keys(states).forEach(function (name) { buttons[name].setAttribute("aria-pressed", String(states[name])); });
    }
    editor.addEventListener("pathChange", refresh);
    editor.addEventListener("select", refresh);

    var savedRange = null;
    function openLink() {
      savedRange = editor.getSelection();
      var anchor = savedRange && savedRange.startContainer.parentElement && savedRange.startContainer.parentElement.closest("a");
      linkInput.value = anchor && area.contains(anchor) ? anchor.getAttribute("href") : "";
      linkbar.hidden = false;
      linkInput.focus();
    }
    function closeLink(refocus) {
      linkbar.hidden = true;
      if (savedRange) { editor.setSelection(savedRange); }
      if (refocus) { editor.focus(); }
    }
    function applyLink() {
      var url = linkInput.value.trim();
      closeLink(false);
      if (url) {
        if (!/^(https?:|mailto:)/i.test(url)) { url = /^[^\s@/]+@[^\s@/]+$/.test(url) ? "mailto:" + url : "https://" + url.replace(/^\/+/, ""); }
        editor.makeLink(url);
      }
      editor.focus();
    }
    linkbar.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-link");
      if (action === "apply") { applyLink(); }
      if (action === "remove") { closeLink(false); editor.removeLink(); editor.focus(); }
      if (action === "cancel") { closeLink(true); }
    });
    linkInput.addEventListener("keydown", function (event) {
      // Enter here must not submit the product form.
      if (event.key === "Enter") { event.preventDefault(); applyLink(); }
      if (event.key === "Escape") { event.preventDefault(); closeLink(true); }
    });

    function toggleSource() {
      var showing = textarea.hidden;
      if (!showing) { fill(); }
      textarea.hidden = !showing;
      area.hidden = showing;
      linkbar.hidden = true;
      buttons.html.setAttribute("aria-pressed", String(showing));
      Object.keys(buttons).forEach(function (name) { if (name !== "html") { buttons[name].disabled = showing; } });
      (showing ? textarea : area).focus();
    }

    // Bold or italic turned off at the caret stays off on the next line (Squire carries the
    // formatting of the line's end across Enter, like a typewriter, not like a word processor).
    var formatsOff = [];
    function removeFormat(name) { if (name === "bold") { editor.removeBold(); } else { editor.removeItalic(); } }
    area.addEventListener("keyup", function (event) {
      if (event.key === "Enter" && formatsOff.length) { formatsOff.forEach(removeFormat); refresh(); }
      if (["Shift", "Control", "Alt", "Meta"].indexOf(event.key) === -1) { formatsOff = []; }
    });
    area.addEventListener("mousedown", function () { formatsOff = []; });

    toolbar.addEventListener("mousedown", function (event) {
      // Keep the editor's selection when a button is clicked with the mouse.
      if (event.target.closest("button")) { event.preventDefault(); }
    });
    toolbar.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) { return; }
      var command = target.dataset.command;
      var pressed = target.getAttribute("aria-pressed") === "true";
      if (command === "html") { toggleSource(); return; }
      if (command === "link") { openLink(); return; }
      if (command === "bold" || command === "italic") {
        if (pressed) {
          removeFormat(command);
          if (editor.getSelection().collapsed) { formatsOff.push(command); }
        } else if (command === "bold") { editor.bold(); } else { editor.italic(); }
      }
      if (command === "h2" || command === "h3") { setBlocks(command.toUpperCase()); }
      if (command === "ul") { if (pressed) { editor.removeList(); } else { editor.makeUnorderedList(); } }
      if (command === "ol") { if (pressed) { editor.removeList(); } else { editor.makeOrderedList(); } }
      if (command === "quote") { if (pressed) { editor.decreaseQuoteLevel(); } else { editor.increaseQuoteLevel(); } }
      editor.focus();
      refresh();
    });
    if (fieldLabel) { fieldLabel.addEventListener("click", function () { if (!area.hidden) { editor.focus(); } }); }
  }

  function init(root) {
    if (!root || !root.querySelectorAll) { return; }
    var selects = root.querySelectorAll("select[data-searchable]");
    var editors = root.querySelectorAll("textarea[data-richtext]");
    if (selects.length) {
      Promise.all([load(config.tomSelectCss, true), load(config.tomSelect)]).then(function () {
        selects.forEach(enhanceSelect);
      });
    }
    if (editors.length) {
      Promise.all([load(config.purify), load(config.squire)]).then(function () {
        editors.forEach(enhanceEditor);
      });
    }
  }

  init(document);
  document.addEventListener("htmx:load", function (event) { if (event.target !== document.body) { init(event.target); } });
})();

// Viewer: one item full screen over the timeline, with its own URL in the history, so Back closes
// it where the timeline was. ←/→ step, Esc closes, a swipe steps on a phone. Without JavaScript
// each tile opens the item page, which links the newer and older items.
(function () {
  "use strict";

  var timeline = document.getElementById("timeline");
  if (!timeline || !window.history.pushState || !window.fetch) { return; }
  var SWIPE_PX = 50;
  var viewer = build();
  var parts = {
    img: viewer.querySelector(".viewer-img"),
    video: viewer.querySelector(".viewer-video"),
    title: viewer.querySelector(".viewer-title"),
    when: viewer.querySelector(".viewer-when"),
    info: viewer.querySelector(".viewer-info"),
    original: viewer.querySelector(".viewer-original"),
    panel: viewer.querySelector(".viewer-panel"),
    prev: viewer.querySelector(".viewer-prev"),
    next: viewer.querySelector(".viewer-next"),
    close: viewer.querySelector(".viewer-close")
  };
  var current = null;
  var before = null;  // where the timeline was: {scroll, focus}
  var panels = {};

  function build() {
    var root = document.createElement("div");
    root.className = "viewer";
    root.hidden = true;
    root.setAttribute("role", "dialog");
    root.setAttribute("aria-modal", "true");
    root.innerHTML =
      '<div class="viewer-stage"><img class="viewer-img" alt="">' +
      '<video class="viewer-video" controls playsinline preload="metadata" hidden></video></div>' +
      '<div class="viewer-bar">' +
      '<button type="button" class="viewer-btn viewer-close" aria-label="Close the viewer">✕</button>' +
      '<p class="viewer-caption"><span class="viewer-title"></span> <span class="viewer-when"></span></p>' +
      '<button type="button" class="viewer-btn viewer-info" aria-expanded="false" aria-controls="viewer-panel"><span class="viewer-icon" aria-hidden="true">i</span><span class="viewer-label">What rollweb knows</span></button>' +
      '<button type="button" class="viewer-btn viewer-original">Original</button>' +
      '</div>' +
      '<button type="button" class="viewer-btn viewer-step viewer-prev" aria-label="Newer item">‹</button>' +
      '<button type="button" class="viewer-btn viewer-step viewer-next" aria-label="Older item">›</button>' +
      '<section class="viewer-panel" id="viewer-panel" hidden aria-label="What rollweb knows"></section>';
    document.body.appendChild(root);
    return root;
  }

  function tiles() { return Array.prototype.slice.call(timeline.querySelectorAll(".tile")); }

  function nameOf(tile) {
    var img = tile.querySelector("img");
    var hidden = tile.querySelector("a .visually-hidden");
    return img ? img.alt.replace(/^Video /, "") : (hidden ? hidden.textContent : "");
  }

  function show(tile) {
    current = tile;
    var link = tile.querySelector("a");
    var name = nameOf(tile);
    var day = tile.closest(".tl-day");
    var video = tile.dataset.kind === "video";
    var large = tile.dataset.large || (tile.querySelector("img") || {}).src || "";
    viewer.setAttribute("aria-label", (video ? "Video " : "Photo ") + name);
    parts.title.textContent = name;
    parts.when.textContent = day ? day.getAttribute("aria-label") : "";
    parts.img.onload = parts.img.onerror = null;  // a previous item's original still loading
    parts.video.pause();
    parts.video.hidden = !video;
    parts.img.hidden = video;
    if (video) {
      parts.video.poster = large;
      parts.video.src = link.pathname + "original/";
      parts.img.removeAttribute("src");
    } else {
      parts.video.removeAttribute("src");
      parts.img.src = large;
      parts.img.alt = name;
    }
    parts.original.hidden = video;
    parts.original.disabled = false;
    parts.original.textContent = "Original";
    parts.original.setAttribute("aria-label", "Show the original of " + name);
    var list = tiles();
    var index = list.indexOf(tile);
    parts.prev.disabled = index <= 0;
    parts.next.disabled = index >= list.length - 1 && !timeline.querySelector(".tl-pager[data-next]");
    if (index >= list.length - 3) { list[list.length - 1].scrollIntoView({block: "end"}); }  // the timeline loads more
    if (!parts.panel.hidden) { fillPanel(); }
  }

  function open(tile, push) {
    before = {scroll: window.scrollY, focus: tile.querySelector("a")};
    show(tile);
    viewer.hidden = false;
    document.body.classList.add("viewing");
    if (push) { window.history.pushState({viewer: tile.dataset.id}, "", tile.querySelector("a").pathname); }
    parts.close.focus();
  }

  function hide() {
    if (viewer.hidden) { return; }
    parts.video.pause();
    viewer.hidden = true;
    document.body.classList.remove("viewing");
    if (before) {
      window.scrollTo(0, before.scroll);
      if (before.focus && document.contains(before.focus)) { before.focus.focus({preventScroll: true}); }
    }
    current = null;
  }

  function step(by) {
    if (!current) { return; }
    var list = tiles();
    var target = list[list.indexOf(current) + by];
    if (!target) { return; }
    show(target);
    before.focus = target.querySelector("a");
    window.history.replaceState({viewer: target.dataset.id}, "", target.querySelector("a").pathname);
  }

  function close() {
    if (window.history.state && window.history.state.viewer) { window.history.back(); } else { hide(); }
  }

  function fillPanel() {
    var url = current.querySelector("a").pathname;
    var id = current.dataset.id;
    parts.panel.setAttribute("aria-busy", "true");
    (panels[id] || (panels[id] = fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      return page.querySelector(".media-facts");
    }))).then(function (facts) {
      if (!current || current.dataset.id !== id) { return; }
      var copy = document.importNode(facts, true);
      var head = copy.querySelector("h1");
      if (head) {
        var h2 = document.createElement("h2");
        h2.textContent = head.textContent;
        head.replaceWith(h2);
      }
      parts.panel.replaceChildren(copy);
      parts.panel.removeAttribute("aria-busy");
    }).catch(function () {
      delete panels[id];
      parts.panel.textContent = "This could not be loaded. ";
      var link = document.createElement("a");
      link.href = url;
      link.textContent = "Open the item page";
      parts.panel.appendChild(link);
    });
  }

  timeline.addEventListener("click", function (event) {
    var link = event.target.closest(".tile > a");
    if (!link || event.defaultPrevented || document.body.classList.contains("selecting")) { return; }
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) { return; }
    event.preventDefault();
    open(link.parentNode, true);
  });
  parts.close.addEventListener("click", close);
  parts.prev.addEventListener("click", function () { step(-1); });
  parts.next.addEventListener("click", function () { step(1); });
  parts.info.addEventListener("click", function () {
    var opening = parts.panel.hidden;
    parts.panel.hidden = !opening;
    parts.info.setAttribute("aria-expanded", String(opening));
    viewer.classList.toggle("with-panel", opening);
    if (opening) { fillPanel(); }
  });
  parts.original.addEventListener("click", function () {
    var url = current.querySelector("a").pathname + "original/";
    parts.original.disabled = true;
    parts.original.textContent = "Loading the original…";
    parts.img.onload = function () { parts.original.textContent = "Showing the original"; parts.img.onload = null; };
    parts.img.onerror = function () {
      parts.img.onerror = null;
      parts.img.src = current.dataset.large || "";
      parts.original.disabled = false;
      parts.original.textContent = "Original";
      window.location.href = url;  // a type the browser cannot show (HEIC): download it instead
    };
    parts.img.src = url;
  });

  viewer.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key === "ArrowLeft" && event.target !== parts.video) { event.preventDefault(); step(-1); return; }
    if (event.key === "ArrowRight" && event.target !== parts.video) { event.preventDefault(); step(1); return; }
    if (event.key === "Tab") {  // focus stays inside the dialog
      var focusable = Array.prototype.filter.call(
        viewer.querySelectorAll("button, a[href], video, [tabindex]"),
        function (element) { return !element.disabled && !element.hidden && element.offsetParent !== null; }
      );
      var first = focusable[0], last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    }
  });

  var touch = null;
  viewer.querySelector(".viewer-stage").addEventListener("touchstart", function (event) {
    touch = event.touches.length === 1 ? {x: event.touches[0].clientX, y: event.touches[0].clientY} : null;
  }, {passive: true});
  viewer.querySelector(".viewer-stage").addEventListener("touchend", function (event) {
    if (!touch) { return; }
    var dx = event.changedTouches[0].clientX - touch.x, dy = event.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) { step(dx < 0 ? 1 : -1); }
  });

  window.addEventListener("popstate", function (event) {
    var state = event.state;
    if (state && state.viewer) {
      var tile = timeline.querySelector('.tile[data-id="' + state.viewer + '"]');
      if (tile && viewer.hidden) { open(tile, false); } else if (tile) { show(tile); }
      else { window.location.reload(); }
      return;
    }
    hide();
  });
})();

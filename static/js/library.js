// Library: keep item states live and show what the uploader (uploader.js) has just kept.
// Everything here is an enhancement: the page works as a plain form without it.
(function () {
  "use strict";

  var PENDING = ["uploaded", "processing"];
  var POLL_MS = 2000;

  function tile(item) {
    var li = document.createElement("li");
    li.className = "tile";
    li.dataset.id = item.id;
    var link = document.createElement("a");
    link.href = item.url;
    var placeholder = document.createElement("span");
    placeholder.className = "placeholder";
    placeholder.setAttribute("aria-hidden", "true");
    placeholder.textContent = "◻";
    var state = document.createElement("span");
    state.className = "state";
    link.appendChild(placeholder);
    link.appendChild(state);
    li.appendChild(link);
    updateTile(li, item);
    return li;
  }

  function updateTile(li, item) {
    li.dataset.status = item.status;
    var state = li.querySelector(".state");
    state.className = "state " + item.status;
    state.textContent = item.status_label;
    if (item.failure_reason) { state.title = item.failure_reason; }
    if (item.thumbnail_url && !li.querySelector("img")) {
      var img = document.createElement("img");
      img.src = item.thumbnail_url;
      img.alt = item.original_name;
      var placeholder = li.querySelector(".placeholder");
      if (placeholder) { placeholder.replaceWith(img); }
    }
  }

  // -- live states ---------------------------------------------------------------------------
  var grid = document.getElementById("grid");
  var polling = false;

  function pendingTiles() {
    if (!grid) { return []; }
    return Array.prototype.filter.call(document.querySelectorAll(".tile[data-status]"), function (li) {
      return PENDING.indexOf(li.dataset.status) !== -1;
    });
  }

  function poll() {
    var tiles = pendingTiles();
    if (!tiles.length) { polling = false; return; }
    polling = true;
    var ids = tiles.map(function (li) { return li.dataset.id; }).slice(0, 200).join(",");
    fetch(grid.dataset.statusUrl + "?ids=" + ids, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) {
        data.items.forEach(function (item) {
          var li = document.querySelector('.tile[data-id="' + item.id + '"]');
          if (li) { updateTile(li, item); }
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  function startPolling() { if (!polling) { poll(); } }

  // -- files the uploader (uploader.js) has just kept: a tile each, kept live ---------------
  document.addEventListener("rollweb:uploaded", function (event) {
    if (!grid) { return; }
    fetch(grid.dataset.statusUrl + "?ids=" + event.detail.id, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) {
        data.items.forEach(function (item) {
          if (document.querySelector('.tile[data-id="' + item.id + '"]')) { return; }
          var empty = document.getElementById("grid-empty");
          if (empty) { empty.remove(); }
          grid.prepend(tile(item));
        });
        startPolling();
      })
      .catch(function () {});
  });

  // -- one item still processing: reload when it is done -------------------------------------
  var pending = document.getElementById("pending");
  if (pending) {
    (function check() {
      fetch(pending.dataset.statusUrl + "?ids=" + pending.dataset.id, {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var item = data.items[0];
          if (item && PENDING.indexOf(item.status) === -1) { window.location.reload(); }
          else { window.setTimeout(check, POLL_MS); }
        })
        .catch(function () { window.setTimeout(check, POLL_MS * 2); });
    })();
  }

  // -- backfills: a newly granted choice applied to what is already stored ------------------
  var backfills = document.getElementById("backfills");
  if (backfills && grid) {
    (function refresh() {
      var rows = Array.prototype.filter.call(backfills.querySelectorAll("li"), function (li) {
        return li.dataset.state === "running";
      });
      if (!rows.length) { return; }
      var ids = rows.map(function (li) { return li.dataset.backfillId; }).join(",");
      fetch(grid.dataset.statusUrl + "?backfills=" + ids, {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {backfills: []}; })
        .then(function (data) {
          var seen = {};
          data.backfills.forEach(function (backfill) { seen[backfill.id] = backfill; });
          rows.forEach(function (li) {
            var backfill = seen[li.dataset.backfillId] || {state: "stopped", done: 0, total: 0};
            var bar = li.querySelector("progress");
            li.dataset.state = backfill.state;
            if (backfill.total) { bar.max = backfill.total; bar.value = backfill.done; }
            li.querySelector(".note").textContent = backfill.state === "running"
              ? backfill.done + " of " + backfill.total
              : (backfill.state === "done" ? "done" : "stopped");
          });
        })
        .catch(function () {})
        .then(function () { window.setTimeout(refresh, POLL_MS); });
    })();
  }

  startPolling();
})();

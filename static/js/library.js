// Library: upload many files with a progress bar each, and keep item states live.
// Everything here is an enhancement: the page works as a plain form without it.
(function () {
  "use strict";

  var PENDING = ["uploaded", "processing"];
  var PARALLEL = 3;
  var POLL_MS = 2000;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function tile(item) {
    var li = document.createElement("li");
    li.className = "tile";
    li.dataset.id = item.id;
    li.dataset.status = item.status;
    var link = document.createElement("a");
    link.href = item.url;
    var placeholder = document.createElement("span");
    placeholder.className = "placeholder";
    placeholder.setAttribute("aria-hidden", "true");
    placeholder.textContent = "◻";
    var state = document.createElement("span");
    state.className = "state " + item.status;
    state.textContent = item.status_label;
    link.appendChild(placeholder);
    link.appendChild(state);
    li.appendChild(link);
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

  // -- uploads -------------------------------------------------------------------------------
  var uploader = document.getElementById("uploader");
  if (uploader) {
    var form = document.getElementById("dropzone");
    var input = document.getElementById("file-input");
    var list = document.getElementById("progress-list");
    var submit = document.getElementById("upload-submit");
    var queue = [];
    var running = 0;
    submit.hidden = true;

    function row(file) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Upload progress of " + file.name);
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = "waiting";
      li.appendChild(name);
      li.appendChild(bar);
      li.appendChild(note);
      list.prepend(li);
      return {li: li, bar: bar, note: note};
    }

    function finish(view, xhr) {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
      if (xhr.status === 201 || xhr.status === 200) {
        view.bar.value = 100;
        view.note.textContent = xhr.status === 201 ? "uploaded" : "already in your library";
        view.li.className = "done";
        if (xhr.status === 201 && grid) {
          var empty = document.getElementById("grid-empty");
          if (empty) { empty.remove(); }
          grid.prepend(tile(data));
          startPolling();
        }
      } else {
        view.li.className = "failed";
        view.note.textContent = data.detail || ("upload failed (" + (xhr.status || "network error") + ")");
      }
    }

    function next() {
      while (running < PARALLEL && queue.length) {
        running += 1;
        send(queue.shift());
      }
    }

    function send(job) {
      var xhr = new XMLHttpRequest();
      var body = new FormData();
      body.append("file", job.file, job.file.name);
      xhr.open("POST", uploader.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          job.view.bar.value = Math.round((event.loaded / event.total) * 100);
          job.view.note.textContent = job.view.bar.value + "%";
        }
      };
      xhr.onloadend = function () {
        finish(job.view, xhr);
        running -= 1;
        next();
      };
      job.view.note.textContent = "0%";
      xhr.send(body);
    }

    function add(files) {
      Array.prototype.forEach.call(files, function (file) {
        queue.push({file: file, view: row(file)});
      });
      next();
    }

    input.addEventListener("change", function () { add(input.files); input.value = ""; });
    form.addEventListener("submit", function (event) { event.preventDefault(); add(input.files); });
    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (event) { event.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      form.addEventListener(type, function () { form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { add(event.dataTransfer.files); }
    });
  }

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

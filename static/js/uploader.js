// The library's uploader: files picked here or shared from the phone's gallery are queued in
// IndexedDB (upload-queue.js) and sent in chunks through the API's resumable uploads
// (/api/v1/uploads/) with this page's CSRF token. A lost connection pauses them, a closed tab
// leaves them queued; either way they carry on from the chunks the server already has.
// Without JavaScript the form above posts the files in one request instead.
(function () {
  "use strict";

  var section = document.getElementById("uploader");
  if (!section || !window.indexedDB || !window.RollwebQueue) { return; }

  var PARALLEL = 2;
  var BACKOFF_S = [1, 2, 4, 8, 16, 30];
  var HASH_LIMIT = 256 * 1024 * 1024;  // larger files are checked by size and type only
  var canUpload = section.dataset.canUpload === "true";
  var me = section.dataset.user;
  var base = section.dataset.uploadsUrl;
  var list = document.getElementById("progress-list");
  var input = document.getElementById("file-input");
  var form = document.getElementById("dropzone");
  var submit = document.getElementById("upload-submit");
  var waitingNote = section.dataset.waitingNote;
  var views = {};
  var running = 0;
  var pending = [];
  var onlineWaiters = [];

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // -- rows --------------------------------------------------------------------------------
  function row(entry) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = entry.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress of " + entry.name);
    var note = document.createElement("span");
    note.className = "note";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(note);
    list.prepend(li);
    var view = {li: li, bar: bar, note: note};
    views[entry.id] = view;
    return view;
  }

  function show(entry, state, text, percent) {
    var view = views[entry.id] || row(entry);
    view.li.className = state;
    view.li.dataset.state = state;
    view.note.textContent = text;
    if (typeof percent === "number") { view.bar.value = percent; }
  }

  // -- the network -------------------------------------------------------------------------
  function request(method, url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      if (body instanceof Blob) {
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
      } else if (body) {
        xhr.setRequestHeader("Content-Type", "application/json");
        body = JSON.stringify(body);
      }
      if (onProgress) {
        xhr.upload.onprogress = function (event) { if (event.lengthComputable) { onProgress(event.loaded); } };
      }
      xhr.onloadend = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        resolve({status: xhr.status, data: data, retryAfter: parseInt(xhr.getResponseHeader("Retry-After"), 10)});
      };
      xhr.send(body || null);
    });
  }

  function sleep(seconds) {
    return new Promise(function (resolve) { window.setTimeout(resolve, seconds * 1000); });
  }

  function untilOnline() {
    if (navigator.onLine) { return Promise.resolve(); }
    return new Promise(function (resolve) { onlineWaiters.push(resolve); });
  }

  window.addEventListener("online", function () {
    var waiting = onlineWaiters;
    onlineWaiters = [];
    waiting.forEach(function (resolve) { resolve(); });
  });

  // A failed request: refused for good (a reason from the server), or worth another try after a
  // pause (offline, the server busy or unreachable). Resolves to true to try again.
  function setback(entry, answer, attempt) {
    var status = answer.status;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      var reason = answer.data.detail || ("the server refused it (" + status + ")");
      return refuse(entry, reason).then(function () { return false; });
    }
    if (!navigator.onLine) {
      show(entry, "paused", "paused (offline)");
      return untilOnline().then(function () { return true; });
    }
    var wait = status === 429 && answer.retryAfter ? answer.retryAfter : BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)];
    show(entry, "paused", "paused: trying again in " + wait + " s");
    return sleep(wait).then(untilOnline).then(function () { return true; });
  }

  function refuse(entry, reason) {
    show(entry, "failed", "refused: " + reason);
    return RollwebQueue.remove(entry.id);
  }

  // -- one file ----------------------------------------------------------------------------
  function digest(entry) {
    if (entry.sha256 || entry.size > HASH_LIMIT || !(window.crypto && crypto.subtle)) {
      return Promise.resolve(entry.sha256 || "");
    }
    return entry.file.arrayBuffer()
      .then(function (buffer) { return crypto.subtle.digest("SHA-256", buffer); })
      .then(function (hash) {
        entry.sha256 = Array.prototype.map.call(new Uint8Array(hash), function (byte) {
          return ("0" + byte.toString(16)).slice(-2);
        }).join("");
        return RollwebQueue.update(entry.id, {sha256: entry.sha256}).then(function () { return entry.sha256; });
      })
      .catch(function () { return ""; });
  }

  // The upload as the server knows it: started now, or looked up again after a pause.
  function serverState(entry, attempt) {
    var answer = entry.uploadId
      ? request("GET", base + entry.uploadId + "/")
      : request("POST", base, {name: entry.name, size: entry.size, sha256: entry.sha256 || ""});
    return answer.then(function (reply) {
      if (reply.status === 404 && entry.uploadId) {
        entry.uploadId = null;  // dropped by the server (a day old): start again
        return RollwebQueue.update(entry.id, {uploadId: null}).then(function () { return serverState(entry, attempt); });
      }
      if (reply.status === 200 || reply.status === 201) {
        entry.uploadId = reply.data.id;
        return RollwebQueue.update(entry.id, {uploadId: entry.uploadId, owner: me}).then(function () { return reply.data; });
      }
      return setback(entry, reply, attempt).then(function (again) { return again ? serverState(entry, attempt + 1) : null; });
    });
  }

  function sendMissing(entry, state, attempt) {
    if (state.state === "done") { return Promise.resolve({state: state, created: false}); }
    var missing = state.missing.slice();
    var have = state.received.reduce(function (sum, index) {
      return sum + Math.min(state.chunk_size, entry.size - index * state.chunk_size);
    }, 0);
    function percent(extra) { return Math.floor(((have + extra) / entry.size) * 100); }
    function next() {
      if (!missing.length) { return complete(entry, attempt); }
      var index = missing[0];
      var start = index * state.chunk_size;
      var chunk = entry.file.slice(start, Math.min(start + state.chunk_size, entry.size));
      show(entry, "uploading", "uploading " + percent(0) + " %", percent(0));
      return request("PUT", base + entry.uploadId + "/chunks/" + index + "/", chunk, function (loaded) {
        show(entry, "uploading", "uploading " + percent(loaded) + " %", percent(loaded));
      }).then(function (reply) {
        if (reply.status === 200) {
          missing.shift();
          have += chunk.size;
          attempt = 0;
          return next();
        }
        if (reply.status === 404) {
          // Dropped by the server (untouched for a day): start this file again.
          entry.uploadId = null;
          return serverState(entry, attempt + 1).then(function (fresh) { return fresh && sendMissing(entry, fresh, 0); });
        }
        // Whatever happened, ask the server what it has before sending anything again.
        return setback(entry, reply, attempt).then(function (again) {
          if (!again) { return null; }
          return serverState(entry, attempt + 1).then(function (fresh) {
            return fresh ? sendMissing(entry, fresh, attempt + 1) : null;
          });
        });
      });
    }
    return next();
  }

  function complete(entry, attempt) {
    show(entry, "uploading", "checking", 100);
    return request("POST", base + entry.uploadId + "/complete/", {sha256: entry.sha256 || ""}).then(function (reply) {
      if (reply.status === 200 || reply.status === 201) { return {state: reply.data, created: reply.status === 201}; }
      if (reply.status === 409) {
        // Chunks missing (the server says which), or another tab is completing it: look again.
        return sleep(BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)])
          .then(function () { return serverState(entry, attempt + 1); })
          .then(function (fresh) { return fresh && sendMissing(entry, fresh, attempt + 1); });
      }
      return setback(entry, reply, attempt).then(function (again) { return again ? complete(entry, attempt + 1) : null; });
    });
  }

  function finished(entry, outcome) {
    show(entry, "done", outcome.created ? "done" : "done: already in your library", 100);
    RollwebQueue.remove(entry.id);
    if (outcome.created && outcome.state.media) {
      document.dispatchEvent(new CustomEvent("rollweb:uploaded", {detail: {id: outcome.state.media.id}}));
    }
  }

  function upload(entry) {
    show(entry, "uploading", "uploading 0 %", 0);
    return digest(entry)
      .then(function () { return serverState(entry, 0); })
      .then(function (state) { return state && sendMissing(entry, state, 0); })
      .then(function (outcome) { if (outcome) { finished(entry, outcome); } })
      .catch(function (error) { show(entry, "failed", "refused: " + error.message); });
  }

  // -- the queue ---------------------------------------------------------------------------
  function pump() {
    while (running < PARALLEL && pending.length) {
      running += 1;
      upload(pending.shift()).then(function () { running -= 1; pump(); });
    }
  }

  function enqueue(entry) {
    if (!canUpload) {
      show(entry, "waiting", waitingNote, 0);
      return;
    }
    show(entry, "waiting", "waiting", 0);
    pending.push(entry);
    pump();
  }

  function addFiles(files) {
    Array.prototype.reduce.call(files, function (chain, file) {
      return chain.then(function () { return RollwebQueue.add(file, "picked", me).then(enqueue); });
    }, Promise.resolve());
  }

  if (submit) { submit.hidden = true; }
  if (input) {
    input.addEventListener("change", function () { addFiles(input.files); input.value = ""; });
  }
  if (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); addFiles(input.files); });
    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (event) { event.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      form.addEventListener(type, function () { form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { addFiles(event.dataTransfer.files); }
    });
  }
  window.addEventListener("offline", function () {
    Object.keys(views).forEach(function (id) {
      var view = views[id];
      if (view.li.dataset.state === "uploading") { view.li.className = "paused"; view.li.dataset.state = "paused"; view.note.textContent = "paused (offline)"; }
    });
  });

  // Files queued before this page opened: shared from the gallery (perhaps before signing in),
  // or left behind by a closed tab. Another person's queued files on this browser stay theirs.
  RollwebQueue.all().then(function (entries) {
    entries.filter(function (entry) { return !entry.owner || String(entry.owner) === me; }).forEach(function (entry) {
      (entry.owner ? Promise.resolve() : RollwebQueue.update(entry.id, {owner: me})).then(function () { enqueue(entry); });
    });
  });
})();

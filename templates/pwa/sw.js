// rollweb's service worker (plain JavaScript, served from /sw.js with scope /).
// Its cache holds only what is the same for everyone: files under /static/, the manifest and the
// offline page. Photos, previews, face crops, suggestion assets, pages and API answers always go
// to the network and are never stored here. It also receives files shared from the phone's
// gallery (the manifest's share_target) and keeps them in IndexedDB for the page to upload.
"use strict";

var VERSION = {{ version|safe }};
var CACHE = "rollweb-static-" + VERSION;
var PRECACHE = {{ precache|safe }};
var OFFLINE = {{ offline|safe }};
var MANIFEST = {{ manifest|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var SHARE_TARGET = {{ share_target|safe }};

importScripts({{ queue_script|safe }});

function cacheable(url) {
  if (url.origin !== self.location.origin || url.search) { return false; }
  return url.pathname.indexOf(STATIC_PREFIX) === 0 || url.pathname === MANIFEST || url.pathname === OFFLINE;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        return cache.addAll(PRECACHE.map(function (path) { return new Request(path, {credentials: "omit"}); }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
          return caches.delete(name);
        }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function fromCacheOrNetwork(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic" && cacheable(new URL(response.url))) {
          cache.put(request, response.clone());
        }
        return response;
      });
    });
  });
}

function pageOrOffline(request) {
  return fetch(request).catch(function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(OFFLINE); });
  });
}

function receiveShare(request) {
  return request.formData()
    .then(function (form) {
      var files = form.getAll("files").filter(function (file) { return file && typeof file !== "string" && file.size; });
      return Promise.all(files.map(function (file) { return RollwebQueue.add(file, "share"); }))
        .then(function () { return files.length; });
    })
    .then(function (count) { return Response.redirect("/library/?shared=" + count, 303); })
    .catch(function () { return Response.redirect("/library/?shared=lost", 303); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && url.origin === self.location.origin && url.pathname === SHARE_TARGET) {
    event.respondWith(receiveShare(request));
    return;
  }
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (cacheable(url)) {
    event.respondWith(fromCacheOrNetwork(request));
  } else if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  }
  // Everything else (previews, originals, assets, API answers) goes to the network untouched.
});

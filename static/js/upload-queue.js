// The uploader's queue in IndexedDB, shared by the library page and the service worker (which
// adds files shared from the phone's gallery). A file waits here, with the id of its upload on
// the server once started, until it is done or refused: a closed tab or a lost connection
// loses nothing, and the page carries on from the chunks the server has.
(function (scope) {
  "use strict";

  var NAME = "rollweb-uploads";
  var STORE = "files";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: "id"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function newId() {
    return scope.crypto && scope.crypto.randomUUID ? scope.crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  scope.RollwebQueue = {
    // `owner` is the signed-in person's id, or null for files shared while signed out (the next
    // person to sign in on this browser picks them up).
    add: function (file, source, owner) {
      var entry = {
        id: newId(), file: file, name: file.name || "shared file", type: file.type || "", size: file.size,
        source: source, owner: owner || null, added: Date.now(), state: "waiting", reason: "", uploadId: null,
      };
      return run("readwrite", function (store) { store.put(entry); }).then(function () { return entry; });
    },
    all: function () {
      return run("readonly", function (store) { return store.getAll(); }).then(function (entries) {
        return (entries || []).sort(function (a, b) { return a.added - b.added; });
      });
    },
    update: function (id, changes) {
      return run("readwrite", function (store) {
        var request = store.get(id);
        request.onsuccess = function () {
          if (request.result) { store.put(Object.assign(request.result, changes)); }
        };
      });
    },
    remove: function (id) {
      return run("readwrite", function (store) { store.delete(id); });
    },
  };
})(self);

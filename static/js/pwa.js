// Register the service worker (/sw.js): the app installs, works offline with its offline page,
// and receives photos shared from the phone's gallery.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  });
})();

// Sharing: hand a suggestion or edit to the phone's share sheet (Web Share API with the file),
// and copy a share link. Both buttons stay hidden where the browser cannot do it, so the plain
// download link and the selectable link text remain the way out.
(function () {
  "use strict";

  function canShareFiles(name, type) {
    if (!navigator.canShare || !navigator.share || typeof File === "undefined") { return false; }
    try {
      return navigator.canShare({ files: [new File([""], name, { type: type })] });
    } catch (error) {
      return false;
    }
  }

  function shareButton(button) {
    var url = button.dataset.shareUrl;
    var name = button.dataset.shareName || "rollweb";
    var type = button.dataset.shareType || "application/octet-stream";
    var label = button.textContent;
    var file = null;
    if (!url || !canShareFiles(name, type)) { return; }
    button.hidden = false;

    function share() {
      return navigator.share({ files: [file] }).then(function () {
        button.textContent = label;
      }, function (error) {
        // Fetching can outlast the tap that allows sharing: the file is ready, so a second tap shares it.
        button.textContent = error && error.name === "NotAllowedError" ? "Share now" : label;
      });
    }

    button.addEventListener("click", function () {
      if (file) { share(); return; }
      button.disabled = true;
      button.textContent = "Preparing…";
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.blob();
      }).then(function (blob) {
        file = new File([blob], name, { type: blob.type || type });
        button.disabled = false;
        if (!navigator.canShare({ files: [file] })) {
          button.hidden = true;
          return;
        }
        return share();
      }).catch(function () {
        button.disabled = false;
        button.textContent = label;
        button.hidden = true;  // the Download link beside it still works
      });
    });
  }

  function copyButton(button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard || !navigator.clipboard.writeText) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        input.select();
      });
    });
  }

  document.querySelectorAll("[data-share-url]").forEach(shareButton);
  document.querySelectorAll("[data-copy]").forEach(copyButton);
})();

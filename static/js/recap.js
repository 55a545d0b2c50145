// Recap videos play muted: "Sound on" turns the music on (and off again) for the video beside it.
// Without JavaScript the button stays hidden and the player's own volume control does the same.
(function () {
  "use strict";

  document.querySelectorAll(".sound-toggle").forEach(function (button) {
    var video = document.getElementById(button.dataset.video);
    if (!video) { return; }
    function show() {
      button.textContent = video.muted ? "Sound on" : "Sound off";
    }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      video.muted = !video.muted;
      if (!video.muted && video.paused) { video.play().catch(function () {}); }
      show();
    });
    video.addEventListener("volumechange", show);
  });
}());

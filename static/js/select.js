// Select many: tick tiles (shift-click for a range, a long press on a phone) and act on them from a
// bar at the bottom. Without JavaScript the same checkboxes and buttons are a plain form.
(function () {
  "use strict";

  var form = document.getElementById("select-form");
  var timeline = document.getElementById("timeline");
  if (!form || !timeline) { return; }
  var LONG_PRESS_MS = 450;
  var count = document.getElementById("select-count");
  var cancel = form.querySelector(".select-cancel");
  var last = null;  // the checkbox ticked last: one end of a shift-click range
  var pressed = false;  // a long press just ticked a tile: the click that follows is not an open
  document.body.classList.add("can-select");
  form.classList.add("floating");
  cancel.hidden = false;

  function boxes() { return Array.prototype.slice.call(timeline.querySelectorAll(".pick input")); }

  function update() {
    var chosen = 0;
    boxes().forEach(function (box) {
      box.closest(".tile").classList.toggle("picked", box.checked);
      chosen += box.checked ? 1 : 0;
    });
    document.body.classList.toggle("selecting", chosen > 0);
    form.classList.toggle("active", chosen > 0);
    count.textContent = chosen ? chosen + " selected" : "";
  }

  function range(from, to, checked) {
    var list = boxes();
    var a = list.indexOf(from), b = list.indexOf(to);
    if (a === -1 || b === -1) { return; }
    list.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (box) { box.checked = checked; });
  }

  function pick(box, extend) {
    if (extend && last && last !== box) { range(last, box, box.checked); }
    last = box;
    update();
  }

  timeline.addEventListener("click", function (event) {
    var box = event.target.closest(".pick input");
    if (box) { pick(box, event.shiftKey); return; }
    var link = event.target.closest(".tile > a");
    if (!link) { return; }
    if (pressed) { event.preventDefault(); pressed = false; return; }
    var selecting = document.body.classList.contains("selecting");
    if (!selecting && !event.shiftKey) { return; }
    event.preventDefault();
    var tileBox = link.parentNode.querySelector(".pick input");
    tileBox.checked = !tileBox.checked;
    pick(tileBox, event.shiftKey);
  }, true);

  var timer = null;
  timeline.addEventListener("touchstart", function (event) {
    var link = event.target.closest(".tile > a");
    pressed = false;
    if (!link || event.touches.length !== 1) { return; }
    timer = window.setTimeout(function () {
      timer = null;
      pressed = true;
      var box = link.parentNode.querySelector(".pick input");
      box.checked = !box.checked;
      pick(box, false);
      if (navigator.vibrate) { navigator.vibrate(15); }
    }, LONG_PRESS_MS);
  }, {passive: true});
  ["touchend", "touchmove", "touchcancel"].forEach(function (type) {
    timeline.addEventListener(type, function () {
      if (timer) { window.clearTimeout(timer); timer = null; }
    }, {passive: true});
  });
  timeline.addEventListener("contextmenu", function (event) {
    if (event.target.closest(".tile > a") && (pressed || timer)) { event.preventDefault(); }
  });

  function clear() {
    boxes().forEach(function (box) { box.checked = false; });
    last = null;
    update();
  }
  cancel.addEventListener("click", clear);
  form.addEventListener("submit", function () {  // the scrubber may have moved the page since it loaded
    form.elements.next.value = window.location.pathname + window.location.search;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("selecting") &&
        !document.body.classList.contains("viewing")) { clear(); }
  });
  update();
})();

// Timeline: load older pages as the reader nears the end, instead of following "Older →".
// Without JavaScript (or IntersectionObserver) the pager links work as plain pages.
(function () {
  "use strict";

  var timeline = document.getElementById("timeline");
  if (!timeline || !("IntersectionObserver" in window) || !window.fetch) { return; }
  var loading = false;
  var observer;

  function lastOf(selector) {
    var found = timeline.querySelectorAll(selector);
    return found.length ? found[found.length - 1] : null;
  }

  // A page may begin with the day (and month) the previous one ended with: continue them.
  function append(fragment) {
    var month = fragment.querySelector(".tl-month");
    var lastMonth = lastOf(".tl-month");
    if (month && lastMonth && month.dataset.month === lastMonth.dataset.month) {
      var day = month.querySelector(".tl-day");
      var lastDay = lastOf(".tl-day");
      if (day && lastDay && day.dataset.day === lastDay.dataset.day) {
        var grid = lastDay.querySelector(".tl-grid");
        Array.prototype.slice.call(day.querySelectorAll(".tile")).forEach(function (tile) { grid.appendChild(tile); });
        lastDay.dataset.size = Math.min(grid.children.length, 7);
        day.remove();
      }
      var days = lastMonth.querySelector(".tl-days");
      Array.prototype.slice.call(month.querySelectorAll(".tl-day")).forEach(function (rest) { days.appendChild(rest); });
      month.remove();
    }
    while (fragment.firstChild) { timeline.appendChild(fragment.firstChild); }
  }

  function loadMore(pager) {
    if (loading || !pager.dataset.next) { return; }
    loading = true;
    pager.setAttribute("aria-busy", "true");
    fetch(pager.dataset.next, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        pager.remove();
        append(template.content);
        watch();
      })
      .catch(function () { pager.removeAttribute("aria-busy"); })
      .then(function () { loading = false; });
  }

  function watch() {
    var pager = lastOf(".tl-pager");
    if (!pager || !pager.dataset.next) { return; }
    observer.observe(pager);
  }

  observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        loadMore(entry.target);
      }
    });
  }, {rootMargin: "1200px 0px"});
  watch();
})();

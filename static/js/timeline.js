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

  // A page of the timeline, parsed but not yet in the document.
  function fragment(url) {
    return fetch(url, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        return template.content;
      });
  }

  function loadMore(pager) {
    if (loading || !pager.dataset.next) { return; }
    loading = true;
    pager.setAttribute("aria-busy", "true");
    fragment(pager.dataset.next)
      .then(function (content) {
        pager.remove();
        append(content);
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

  // -- scrubber: load the chosen month in place, with its URL in the history ----------------
  var scrubber = document.getElementById("scrubber");

  function mark(search) {
    var month = new URLSearchParams(search).get("month") || "";
    Array.prototype.forEach.call(scrubber.querySelectorAll("a"), function (link) {
      var target = new URLSearchParams(link.search).get("month") || "";
      var year = link.classList.contains("scrub-year-link");
      var current = year ? month.slice(0, 4) === target.slice(0, 4) && month : target === month;
      if (current) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
  }

  var shown = window.location.search;  // the timeline on screen: the viewer's history entries leave it alone

  function show(search, focus) {
    shown = search;
    var url = window.location.pathname + search + (search ? "&" : "?") + "fragment=1";
    timeline.setAttribute("aria-busy", "true");
    return fragment(url)
      .then(function (content) {
        observer.disconnect();
        timeline.replaceChildren(content);
        timeline.removeAttribute("aria-busy");
        mark(search);
        watch();
        timeline.scrollIntoView({block: "start"});
        var head = timeline.querySelector(".tl-month-head");
        if (focus && head) { head.setAttribute("tabindex", "-1"); head.focus({preventScroll: true}); }
      });
  }

  if (scrubber && window.history.pushState && "URLSearchParams" in window) {
    scrubber.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      show(link.search, true)
        .then(function () { window.history.pushState({timeline: link.search}, "", link.search); })
        .catch(function () { window.location.href = link.href; });
    });
    window.addEventListener("popstate", function (event) {
      if ((event.state && event.state.viewer) || window.location.search === shown) { return; }
      show(window.location.search, false).catch(function () { window.location.reload(); });
    });
  }
})();

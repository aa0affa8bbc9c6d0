// Copy buttons, paragraph choice for citations, and jumps between marked hits. Plain JS, no framework.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on a team server is not a secure context: fall back to a selected textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      ok ? resolve() : reject(new Error("copy refused"));
    });
  }

  // The label says what happened, then goes back: the timer starts when the label changes, so a
  // clipboard that never answers cannot leave it stuck, and a second click starts it again.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    var timer = null;
    function say(text) {
      button.textContent = text;
      clearTimeout(timer);
      timer = setTimeout(function () { button.textContent = label; }, 1800);
    }
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      var copying;
      try {
        copying = copyText(source.textContent.trim());
      } catch (error) {
        copying = Promise.reject(error);
      }
      // The page gives both words in its own language.
      copying.then(function () { say(button.dataset.copied || "✓"); }, function () { say(button.dataset.failed || "✗"); });
    });
  });

  // On a phone the facet lists start folded, so the results are on the first screen.
  if (window.matchMedia && window.matchMedia("(max-width: 46rem)").matches) {
    document.querySelectorAll("details.facet[open]").forEach(function (facet) {
      if (!facet.querySelector("li.active")) facet.removeAttribute("open");
    });
  }

  // The paragraph citation follows the paragraph in the address (#pN).
  var cite = document.getElementById("cite-paragraph");
  function choose() {
    var found = /^#p(\d+)$/.exec(location.hash);
    if (!cite || !found || !document.getElementById("p" + found[1])) return;
    var n = found[1];
    cite.textContent = cite.dataset.prefix + cite.dataset.where.replace("{n}", n) + cite.dataset.link + "#p" + n;
  }
  window.addEventListener("hashchange", choose);
  choose();

  // Next/previous hit: scroll between marks without changing the address, which names the paragraph.
  var marks = Array.prototype.slice.call(document.querySelectorAll(".text mark[id^=hit-]"));
  var position = document.getElementById("hit-position");
  var current = -1;
  function show(index) {
    if (!marks.length) return;
    if (current >= 0) marks[current].classList.remove("current");
    current = (index + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    if (position) position.textContent = position.dataset.template.replace("{at}", current + 1).replace("{of}", marks.length);
  }
  function start() {
    // Begin from the paragraph in the address, so "next" means the next hit after it.
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (!target) return -1;
    for (var i = 0; i < marks.length; i++) {
      if (target.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING || target.contains(marks[i])) return i - 1;
    }
    return marks.length - 1;
  }
  var next = document.getElementById("next-hit");
  var prev = document.getElementById("prev-hit");
  if (next) next.addEventListener("click", function (event) {
    event.preventDefault();
    show((current < 0 ? start() : current) + 1);
  });
  if (prev) prev.addEventListener("click", function (event) {
    event.preventDefault();
    var from = current < 0 ? start() + 1 : current;
    show(from - 1);
  });
  document.addEventListener("keydown", function (event) {
    if (!marks.length || event.target.closest("input, textarea") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "n" && next) next.click();
    if (event.key === "p" && prev) prev.click();
  });
})();

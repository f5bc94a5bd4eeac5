// Live progress without a reload: poll the fragment at #live's data-live-url and swap it in,
// until it says data-done="1". Without JavaScript the page shows the state at load time.
(function () {
  "use strict";
  function poll(delay) {
    var live = document.getElementById("live");
    if (!live || live.dataset.done === "1") return;
    setTimeout(function () {
      fetch(live.dataset.liveUrl, {headers: {"Accept": "text/html"}, cache: "no-store"})
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var box = document.createElement("div");
          box.innerHTML = html;
          var fresh = box.querySelector("#live");
          if (fresh) live.replaceWith(fresh);
          poll(500);
        })
        .catch(function () { poll(Math.min(delay * 2, 5000)); });
    }, delay);
  }
  function reloadWhile() {
    var marker = document.querySelector("[data-reload]");
    if (marker) setTimeout(function () { location.reload(); }, +marker.dataset.reload);
  }
  // Source highlighting, when highlight.js is on the page (judgebox language id -> its name).
  var HLJS_NAMES = {cpp17: "cpp", cpp20: "cpp", python3: "python", pypy3: "python",
                    pascal: "delphi"};
  function highlight() {
    if (!window.hljs) return;
    document.querySelectorAll("code[data-lang]").forEach(function (code) {
      var name = HLJS_NAMES[code.dataset.lang] || code.dataset.lang;
      if (window.hljs.getLanguage(name)) {
        code.classList.add("language-" + name);
        window.hljs.highlightElement(code);
      }
    });
  }
  // TeX in statements, when KaTeX is on the page. Markdown statements come with their math
  // already between \( \) and \[ \] (the server parsed the $s); TeX ones as written.
  var BRACKETS = [{left: "\\[", right: "\\]", display: true},
                  {left: "\\(", right: "\\)", display: false}];
  var DOLLARS = [{left: "$$", right: "$$", display: true},
                 {left: "$", right: "$", display: false}];
  function math() {
    if (!window.renderMathInElement) return;
    document.querySelectorAll("[data-math]").forEach(function (el) {
      window.renderMathInElement(el, {
        delimiters: el.dataset.math === "md" ? BRACKETS : DOLLARS.concat(BRACKETS),
        throwOnError: false});
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    poll(300); reloadWhile(); highlight(); math();
  });
})();

/* Filters the language list as a visitor types: a match on a language's own
   name, its English name or its tag, ignoring case and accents, keeps it shown.
   Without this script the whole list is shown and the filter box stays hidden. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  }
  function start() {
    var box = document.querySelector(".filter");
    var input = document.getElementById("filter");
    var items = Array.prototype.slice.call(document.querySelectorAll("#languages > li"));
    if (!box || !input) { return; }
    var names = items.map(function (item) { return fold(item.getAttribute("data-names") || ""); });
    box.hidden = false;
    input.addEventListener("input", function () {
      var query = fold(input.value.trim());
      items.forEach(function (item, index) {
        item.hidden = query !== "" && names[index].indexOf(query) < 0;
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

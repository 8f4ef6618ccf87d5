/* Loaded (not deferred) in the head of a page that has web fonts, before its body.
   The page's own font subsets are preloaded, but on a slow connection the first
   layout can come before they arrive: the text is laid out in a fallback font and
   moves (a heading gains a line, the buttons jump) when they do.  So the page is
   kept unpainted until every face it declares has loaded, for at most 3 seconds
   (as long as the faces' font-display: block would keep the text invisible).
   Without JavaScript, or without the CSS Font Loading API, the page shows at once. */
(function () {
  "use strict";
  var root = document.documentElement;
  if (!document.fonts || !document.fonts.forEach || typeof Promise === "undefined") { return; }
  var loads = [];
  document.fonts.forEach(function (face) { loads.push(face.load()); });
  if (loads.length === 0) { return; }
  root.classList.add("fonts-loading");
  var shown = false;
  function show() {
    if (!shown) { shown = true; root.classList.remove("fonts-loading"); }
  }
  Promise.all(loads).then(show, show);
  setTimeout(show, 3000);
})();

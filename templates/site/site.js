/* The download site's only script; every page works without it.
   - Index: filters the language list as a visitor types.  A match on any of a
     language's names (own name, English name, tag, its name in the campaign's
     other languages, common aliases) keeps it shown, ignoring case, accents and
     the Arabic-script letter variants people type (ي/ی/ى, ك/ک, ه/ە/ۀ).  The
     count is announced (aria-live); with no match, a message and the whole list.
   - Language pages: a Share button (Web Share API) where the browser has one;
     the WhatsApp link is the fallback and is always there.
   - Over http(s), a service worker (sw.js) keeps each visited page, its assets
     and its letter PDF for reading with no signal. */
(function () {
  "use strict";
  var ARABIC = { "\u064A": "\u06CC", "\u0649": "\u06CC", "\u0643": "\u06A9", "\u06D5": "\u0647",
                 "\u06C0": "\u0647", "\u0629": "\u0647", "\u0640": "" };
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "")
      .replace(/[\u064A\u0649\u0643\u06D5\u06C0\u0629\u0640]/g, function (c) { return ARABIC[c]; })
      .toLocaleLowerCase();
  }

  function filter() {
    var box = document.querySelector(".filter");
    var input = document.getElementById("filter");
    if (!box || !input) { return; }
    var items = Array.prototype.slice.call(document.querySelectorAll("#languages > li"));
    var names = items.map(function (item) { return fold(item.getAttribute("data-names") || ""); });
    var count = document.querySelector("#filter-count .n");
    var none = document.getElementById("no-match");
    box.hidden = false;
    input.addEventListener("input", function () {
      var query = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item, index) {
        item.hidden = query !== "" && names[index].indexOf(query) < 0;
        if (!item.hidden) { shown += 1; }
      });
      if (none) { none.hidden = shown > 0; }
      if (shown === 0) {  // nothing matched: say so, and show the whole list to choose from
        items.forEach(function (item) { item.hidden = false; });
        shown = items.length;
      }
      if (count) { count.textContent = String(shown); }
    });
  }

  function share() {
    var button = document.querySelector(".share-button");
    var whatsapp = document.querySelector(".whatsapp");
    var data = { title: document.title, text: document.title, url: location.href };
    var canonical = document.querySelector('link[rel="canonical"]');
    if (canonical) { data.url = canonical.href; }
    if (whatsapp && whatsapp.hidden && /^https?:$/.test(location.protocol)) {
      whatsapp.href = "https://wa.me/?text=" + encodeURIComponent(data.title + " " + data.url);
      whatsapp.hidden = false;
    }
    if (!button || !navigator.share) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.share(data).catch(function () { /* the visitor closed the sheet */ });
    });
  }

  function offline() {
    if (!("serviceWorker" in navigator) || !/^https?:$/.test(location.protocol)) { return; }
    var root = document.body.getAttribute("data-root") || "";
    navigator.serviceWorker.register(root + "sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var keep = [location.href.split("#")[0]];
      performance.getEntriesByType("resource").forEach(function (entry) {
        if (entry.name.indexOf(location.origin + "/") === 0 && !/\.pdf$/.test(entry.name)) { keep.push(entry.name); }
      });
      Array.prototype.forEach.call(document.querySelectorAll("a[data-offline]"), function (link) {
        keep.push(link.href);
      });
      if (registration.active) { registration.active.postMessage({ keep: keep }); }
    }).catch(function () { /* no offline copy; the page still works */ });
  }

  function start() { filter(); share(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // After load: by then the fonts and previews the page used are in the resource list.
  if (document.readyState === "complete") { offline(); } else { window.addEventListener("load", offline); }
})();

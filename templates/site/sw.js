/* Service worker of the download site: a page read once can be read again with
   no signal.  Network first (a host's newer flyer always wins when there is a
   connection); what comes back is kept, except PDFs, of which only those a page
   names (its letter flyer) are kept.  With no network, the kept copy answers.
   `flyers site` replaces the version below with a hash of the pages, so a new
   build replaces the old copies. */
"use strict";
var CACHE = "kyr-flyers-__VERSION__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("kyr-flyers-") === 0 && key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var keep = event.data && event.data.keep;
  if (!Array.isArray(keep)) { return; }
  var urls = keep.filter(function (url) { return new URL(url).origin === self.location.origin; });
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(urls); }));
});

function fallback(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (hit) {
      if (hit || request.mode !== "navigate") { return hit || Response.error(); }
      var url = new URL(request.url);
      var other = url.pathname.slice(-1) === "/" ? url.pathname + "index.html"
        : url.pathname.replace(/index\.html$/, "");
      return cache.match(url.origin + other).then(function (page) { return page || Response.error(); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !/\.pdf$/.test(new URL(request.url).pathname)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () { return fallback(request); }));
});

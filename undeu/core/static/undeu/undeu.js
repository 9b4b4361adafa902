// Undeu: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Refresh the count while the page stays open (the page itself may come from a cache).
  function refreshCounts() {
    document.querySelectorAll("[data-count-url]").forEach(function (box) {
      fetch(box.getAttribute("data-count-url"), { credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          var bar = box.querySelector("progress");
          var text = box.querySelector(".count-text");
          if (bar) { bar.max = data.goal; bar.value = data.count; bar.textContent = data.progress + "%"; }
          if (text && text.textContent !== data.count_text) text.textContent = data.count_text;
        })
        .catch(function () {});
    });
  }
  if (document.querySelector("[data-count-url]")) {
    // Not at once: a freshly rendered count is newer than a count.json the browser cached.
    setInterval(function () { if (!document.hidden) refreshCounts(); }, 15000);
  }

  // "Copy link" buttons: shown only when the clipboard can be used.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(input.value).then(function () {
        var done = button.parentNode.querySelector(".copied");
        if (done) done.hidden = false;
      });
    });
  });

  // A field only for one country (the regions of Kazakhstan): hidden while another is chosen.
  // Without this script it stays visible, and the server ignores it for other countries.
  document.querySelectorAll("[data-for-country]").forEach(function (field) {
    var country = field.form && field.form.elements.namedItem("country");
    var row = field.closest("p");
    if (!country || !row) return;
    function follow() { row.hidden = country.value !== field.getAttribute("data-for-country"); }
    country.addEventListener("change", follow);
    follow();
  });

  // "Cookie settings" links reopen the banner on pages that have it, instead of navigating.
  document.querySelectorAll("[data-open-consent]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var banner = document.getElementById("consent");
      if (!banner) return;
      event.preventDefault();
      banner.scrollIntoView();
      var first = banner.querySelector("input:not([disabled]), button");
      if (first) first.focus();
    });
  });
})();

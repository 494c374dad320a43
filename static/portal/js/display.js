/* 长辈版 (elderly mode, issue 13 item 11): the header's switch turns it on and off at once, without reloading the
   page, and remembers it in the same cookie that portal.views.display_mode sets when the switch's link is followed
   (as it is without JavaScript). The page comes from the server with <html class="elder"> while the cookie says so,
   so nothing flashes at the standard size first. */
(function () {
  "use strict";
  var COOKIE = "elder_mode";
  var YEAR = 365 * 24 * 3600;

  function remember(on) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + (on ? "=1; Max-Age=" + YEAR : "=; Max-Age=0") + "; Path=/; SameSite=Lax" + secure;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector("a.elder-switch");
    if (!link) { return; }
    var label = link.querySelector(".elder-label");
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var on = !document.documentElement.classList.contains("elder");
      document.documentElement.classList.toggle("elder", on);
      remember(on);
      link.setAttribute("data-elder", on ? "on" : "off");
      label.textContent = link.getAttribute(on ? "data-label-on" : "data-label-off");
      link.href = link.href.replace(/elder=[01]/, "elder=" + (on ? "0" : "1"));
    });
  });
})();

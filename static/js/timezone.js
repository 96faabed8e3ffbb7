/* The browser's IANA time zone in the storedesk_tz cookie, read by the server
   (config/timezones.py). Loaded by every page, the sign-in page included, so the first page
   after signing in is already in the person's zone. */
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("storedesk_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "storedesk_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browser: the server's default time zone is used */ }
})();

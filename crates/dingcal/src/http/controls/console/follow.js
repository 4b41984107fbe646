// Keeps a feed's table current: while "follow" is ticked, asks the page's
// own address for its table alone every two seconds and puts it in place.
(() => {
  const feed = document.getElementById("feed");
  const follow = document.getElementById("follow");
  let shown = "";
  setInterval(async () => {
    if (!follow.checked) return;
    const url = new URL(location.href);
    url.searchParams.set("fragment", "1");
    try {
      const answer = await fetch(url, { credentials: "same-origin" });
      if (!answer.ok || answer.redirected) return;
      const table = await answer.text();
      // Unchanged, the table stays as it is (a body opened stays open).
      if (table !== shown) {
        feed.innerHTML = table;
        shown = table;
      }
    } catch (_) {
      // The server may be restarting: the next tick tries again.
    }
  }, 2000);
})();

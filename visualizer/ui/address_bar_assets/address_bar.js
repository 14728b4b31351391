// The studio's address bar: keeps the page's URL equal to the studio's share link, as the state changes.
//
// history.replaceState (never pushState): the link follows every edit and step without a new entry in the
// browser's history and without a rerun. The page's window remembers which server session wrote it; when a
// new session (a reconnect to another or a restarted instance) starts from an older link than the one in the
// address bar, the address bar wins: it is sent back once, and the app restores the view from it.
(function () {
  "use strict";

  const MEMO = "__convvizAddressBar";
  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");

  function render(args) {
    let top;
    try {
      top = window.parent;
      void top.location.search;  // throws when the app's page is not ours (another origin): nothing to do
    } catch (err) {
      return;
    }
    const query = String(args.query || "");
    const session = String(args.session || "");
    const current = top.location.search.replace(/^\?/, "");
    const memo = top[MEMO];
    if (memo && memo.session !== session && memo.query === current && current !== query) {
      // A new server session drew an older view than the one this page showed last: ask it to take ours.
      if (memo.asked !== session) {
        memo.asked = session;
        send("streamlit:setComponentValue", { value: { restore: current, session: session }, dataType: "json" });
      }
      return;
    }
    if (current !== query) {
      const url = top.location.pathname + (query ? "?" + query : "") + top.location.hash;
      top.history.replaceState(top.history.state, "", url);
    }
    top[MEMO] = { session: session, query: query };
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (data && data.type === "streamlit:render") render(data.args || {});
  });
  send("streamlit:componentReady", { apiVersion: 1 });
  send("streamlit:setFrameHeight", { height: 0 });
})();

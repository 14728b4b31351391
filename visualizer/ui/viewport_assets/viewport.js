// The width the page gives a figure: this frame is as wide as the column it sits in (and 0 px tall). It reports
// that width (rounded to 10 px) when it first draws and when the window is resized, so that the app can draw a
// figure for the width it really has (the network view's diagram on a phone), not for a wide screen scaled down.
(function () {
  "use strict";
  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  let sent = null;
  let known = null;
  function report() {
    const width = Math.round(document.documentElement.clientWidth / 10) * 10;
    if (!(width > 0) || width === sent || width === known) return;
    sent = width;
    send("streamlit:setComponentValue", { value: { width: width }, dataType: "json" });
  }
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    const args = data.args || {};
    known = typeof args.known === "number" ? args.known : null;
    report();
  });
  let timer = null;
  window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(report, 250); });
  send("streamlit:componentReady", { apiVersion: 1 });
  send("streamlit:setFrameHeight", { height: 0 });
})();

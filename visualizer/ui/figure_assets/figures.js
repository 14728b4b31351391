// Static Plotly figures (the studio's feature maps) drawn with the player's plotly.js, so the page does not
// also load Streamlit's own Plotly chunk. Hover shows the values; nothing is reported back to the app.
(function () {
  "use strict";

  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  const setHeight = () => send("streamlit:setFrameHeight", { height: document.body.scrollHeight });
  const main = document.getElementById("figures");
  const config = { displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false,
                   showTips: false };
  let shown = null;
  let drawing = Promise.resolve();

  function draw(args) {
    const figures = args.figures || [];
    const labels = args.labels || [];
    const headings = args.headings || [];
    while (main.children.length > figures.length) main.lastChild.remove();
    const jobs = figures.map((fig, i) => {
      let section = main.children[i];
      if (!section) {
        section = document.createElement("section");
        section.innerHTML = '<p class="heading"><strong></strong><span></span></p><div class="figure" role="img"></div>';
        main.appendChild(section);
      }
      const [bold, rest] = headings[i] || ["", ""];
      section.querySelector("strong").textContent = bold;  // text, never HTML: names can come from a link
      section.querySelector("span").textContent = rest;
      const div = section.querySelector(".figure");
      div.setAttribute("aria-label", labels[i] || "Chart");
      const layout = Object.assign({}, fig.layout || {}, { autosize: true });
      // Frames too: a figure may carry its own animation (the transposed convolution's stamping view).
      return Plotly.react(div, { data: fig.data || [], layout: layout, frames: fig.frames || [], config: config });
    });
    return Promise.all(jobs).then(setHeight);
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    const args = data.args || {};
    if (args.fig_id === shown) return;  // the same figures: nothing to redraw
    shown = args.fig_id;
    // This frame shares the page's thread with the player: draw when the browser is idle, so that the player's
    // new figure (the edit a person is watching) is drawn first.
    const idle = () => new Promise((resolve) => (window.requestIdleCallback
      ? window.requestIdleCallback(resolve, { timeout: 60 }) : setTimeout(resolve, 50)));
    drawing = drawing.then(idle).then(() => (args.fig_id === shown ? draw(args) : null))
      .catch((err) => console.error(err));
  });
  window.addEventListener("resize", () => setHeight());
  send("streamlit:componentReady", { apiVersion: 1 });
})();

// The cone of receptive fields (visualizer/figures/receptive.py, cone_figure), drawn with the player's plotly.js.
// The pointer over any cell lights that cell's field on every stage before it, at once and without asking the app:
// the app sends every cell's field with the figure (``hover``, from the engine's field_table), as text per cell and
// panel: "rows|cols" in runs ("0-2|1-3") or "#" and the runs of the lit flat indices. Leaving the chart shows the
// clicked cell's field again. A click (or a tap) reports the cell; the app keeps it, and the tables follow it.
(function () {
  "use strict";

  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  const setHeight = () => send("streamlit:setFrameHeight", { height: document.body.scrollHeight });
  const gd = document.getElementById("cone");
  const config = { displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false,
                   showTips: false };
  const st = { figId: null, args: null, fields: [], base: null, lit: null, seq: 0, frame: 0, pointer: null };

  function runs(text, n) {  // "0-2,5" -> the listed positions (those inside 0 .. n-1)
    const out = [];
    for (const part of (text || "").split(",")) {
      if (!part) continue;
      const [a, b] = part.split("-").map(Number);
      for (let i = a; i <= (b === undefined ? a : b) && i < n; i++) if (i >= 0) out.push(i);
    }
    return out;
  }

  function decode(code, h, w) {  // a field's text -> heatmap z: 1 where lit, null elsewhere
    const z = Array.from({ length: h }, () => new Array(w).fill(null));
    if (!code) return z;
    if (code[0] === "#") {
      for (const i of runs(code.slice(1), h * w)) z[Math.floor(i / w)][i % w] = 1;
      return z;
    }
    const [rows, cols] = code.split("|");
    const cs = runs(cols, w);
    for (const r of runs(rows, h)) for (const c of cs) z[r][c] = 1;
    return z;
  }

  function dashedBox(box) {  // the field's bounding box on the input, as the figure draws the clicked one's
    const [t, b, l, r] = box;
    return { type: "rect", xref: "x", yref: "y", x0: l - 0.5, x1: r + 0.5, y0: t - 0.5, y1: b + 0.5,
             line: { color: st.args.highlight, width: 3, dash: "dash" } };
  }

  // The cell under the pointer: the panel whose axes hold it, and its row and column there (or null).
  function cellAt(clientX, clientY) {
    const full = gd._fullLayout;
    if (!full) return null;
    const rect = gd.getBoundingClientRect();
    const sizes = st.args.sizes || [];
    for (let p = 0; p < sizes.length; p++) {
      const k = p === 0 ? "" : String(p + 1);
      const xa = full["xaxis" + k], ya = full["yaxis" + k];
      if (!xa || !ya) continue;
      const col = Math.round(xa.p2l(clientX - rect.left - xa._offset));
      const row = Math.round(ya.p2l(clientY - rect.top - ya._offset));
      if (row >= 0 && row < sizes[p][0] && col >= 0 && col < sizes[p][1]) return [p, row, col];
    }
    return null;
  }

  function light(cell) {
    const key = cell ? cell.join(",") : "";
    if (key === st.lit) return;
    st.lit = key;
    const fig = st.args.figure;
    const traces = st.fields;
    let z, colours, shapes;
    const codes = cell && (st.args.hover || {})[String(cell[0])];
    const sizes = st.args.sizes;
    if (codes) {
      const [p, row, col] = cell;
      const mine = codes[row * sizes[p][1] + col] || [];
      z = traces.map((_, q) => (q <= p ? decode(mine[q], sizes[q][0], sizes[q][1])
        : decode("", sizes[q][0], sizes[q][1])));
      colours = traces.map((_, q) => {
        const colour = q === p ? st.args.chosen : st.args.lit;
        return [[0, colour], [1, colour]];
      });
      const target = (fig.data.find((t) => t.name === `cells ${st.args.ids[p]}`) || {}).customdata || [];
      const box = (target[row * sizes[p][1] + col] || []).slice(3, 7);
      shapes = st.base.shapes.filter((s) => !(s.line && s.line.dash === "dash"));
      if (box.length === 4 && box[0] >= 0) shapes.push(dashedBox(box));
    } else {  // the clicked cell again: the figure as the app drew it
      z = st.base.z;
      colours = st.base.colours;
      shapes = st.base.shapes;
    }
    Plotly.update(gd, { z: z, colorscale: colours }, { shapes: shapes }, traces)
      .catch((err) => console.error(err));
  }

  function onPointer(event) {
    st.pointer = [event.clientX, event.clientY];
    if (st.frame) return;
    st.frame = requestAnimationFrame(() => {
      st.frame = 0;
      if (st.pointer) light(cellAt(st.pointer[0], st.pointer[1]));
    });
  }

  function draw(args) {
    const fig = args.figure;
    st.fields = (args.ids || []).map((id) => fig.data.findIndex((t) => t.name === `field ${id}`));
    st.base = { z: st.fields.map((i) => fig.data[i].z),
                colours: st.fields.map((i) => fig.data[i].colorscale),
                shapes: (fig.layout.shapes || []).slice() };
    st.lit = "";
    const layout = Object.assign({}, fig.layout, { autosize: true });
    return Plotly.react(gd, { data: fig.data, layout: layout, config: config });
  }

  let bound = false;
  function bind() {
    if (bound) return;
    bound = true;
    gd.addEventListener("mousemove", onPointer);
    gd.addEventListener("mouseleave", () => { st.pointer = null; light(null); });
    // A click (or a tap) on a cell keeps it: found from the axes as the hover finds it, not from Plotly's click
    // event, whose points come from its hover state (which a redraw for the hover can have cleared).
    gd.addEventListener("click", (event) => {
      const cell = cellAt(event.clientX, event.clientY);
      if (!cell) return;
      const [p, row, col] = cell;
      st.seq += 1;
      send("streamlit:setComponentValue", { value: { stage: st.args.ids[p], row: row, col: col, seq: st.seq },
                                            dataType: "json" });
    });
  }

  let drawing = Promise.resolve();
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    const args = data.args || {};
    if (args.fig_id === st.figId) return;  // the same figure: nothing to redraw
    st.figId = args.fig_id;
    drawing = drawing.then(() => {
      st.args = args;
      return draw(args);
    }).then(() => {
      bind();
      setHeight();
      if (st.pointer) light(cellAt(st.pointer[0], st.pointer[1]));
    }).catch((err) => console.error(err));
  });
  window.addEventListener("resize", () => setHeight());
  send("streamlit:componentReady", { apiVersion: 1 });
})();

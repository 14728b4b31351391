// The studio's animation player: draws the sliding figure with Plotly and owns the one current step.
//
// Every view of "the current step" (window, products, sum, caption, output cell, slider, label) is in
// this page: the figure's frames carry the step's products, shapes and text, and the controls below move
// between frames. The step is sent back to the app (Streamlit's component protocol) when it settles:
// after a step button, a scrub, a click on an output cell, a key, Pause, or the end of Play; never during
// Play. The app keeps it in its state (share link, quiz) and hands it back on the next render.
(function () {
  "use strict";

  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  const setHeight = () => send("streamlit:setFrameHeight", { height: document.body.scrollHeight + 2 });

  const gd = document.getElementById("plot");
  const el = (id) => document.getElementById(id);
  const state = { figId: null, names: [], steps: 1, current: 0, playing: false, speed: 400, seq: 0,
                  presentation: false, drawing: null, sent: null, bound: false };

  // --- Sizes the app needs to lay the figure out: our width and the height left in the window. -------------
  function measure() {
    let avail = window.innerHeight;
    try {
      const frame = window.frameElement;
      const top = frame ? frame.getBoundingClientRect().top + window.parent.scrollY : 0;
      avail = window.parent.innerHeight - top;
    } catch (err) { /* not same-origin: keep our own height */ }
    const controls = el("controls").getBoundingClientRect().height || 52;
    return { width: Math.round(document.body.clientWidth), avail: Math.round(avail - controls - 12) };
  }

  function report() {
    const size = measure();
    const value = { step: state.current, speed_ms: state.speed, width: size.width, avail: size.avail };
    const key = JSON.stringify(value);
    if (key === state.sent) return;
    state.sent = key;
    state.seq += 1;
    value.seq = state.seq;
    send("streamlit:setComponentValue", { value: value, dataType: "json" });
  }

  // --- Moving between steps ---------------------------------------------------------------------------
  function indexOfStep(step) {
    let best = 0;
    for (let i = 0; i < state.names.length; i++) {
      if (Number(state.names[i]) <= step) best = i;
    }
    return best;
  }

  function showLabel() {
    el("scrub").value = String(state.current + 1);
    el("label").textContent = `Step ${state.current + 1} of ${state.steps}`;
  }

  function setPlaying(playing) {
    state.playing = playing;
    el("play-text").textContent = playing ? "Pause" : "Play";
    el("play-icon").textContent = playing ? "❚❚" : "▶";
    el("play").setAttribute("aria-label", playing ? "Pause" : "Play");
  }

  function go(step, tell) {
    if (!state.names.length) return Promise.resolve();
    const wanted = Math.max(0, Math.min(step, state.steps - 1));
    stop(false);
    if (!state.names.includes(String(wanted))) {
      // A large animation keeps a frame for every k-th step and for the steps near the current one:
      // for any other step, ask the app for a figure around it (it answers with a new render).
      state.current = wanted;
      showLabel();
      report();
      return Promise.resolve();
    }
    return showFrame(String(wanted), tell);
  }

  function showFrame(name, tell) {
    state.current = Number(name);
    showLabel();
    const done = Plotly.animate(gd, [name], {
      mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 },
    });
    if (tell) report();
    return done;
  }

  function move(delta) {
    const target = state.current + delta;
    if (target >= 0 && target < state.steps) go(target, true);
  }

  function play() {
    let start = indexOfStep(state.current) + 1;
    if (start >= state.names.length) {  // at the end: start again from the first step
      go(Number(state.names[0]), false);
      start = 1;
    }
    const queue = state.names.slice(start);
    if (!queue.length) return;
    setPlaying(true);
    Plotly.animate(gd, queue, {
      mode: "immediate", frame: { duration: state.speed, redraw: true }, transition: { duration: 0 },
    });
  }

  function stop(tell) {
    if (!state.playing) return;
    setPlaying(false);
    Plotly.animate(gd, [null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } });
    if (tell) report();
  }

  // --- Drawing a new figure ----------------------------------------------------------------------------
  // The figure as it looks at ``step``: that frame's products, shapes and texts merged into it, so the
  // first picture of a new figure already shows the current step (never a flash of another step).
  function atStep(fig, step) {
    const frame = (fig.frames || []).find((f) => f.name === String(step));
    if (!frame) return { data: fig.data, layout: fig.layout };
    const data = fig.data.slice();
    (frame.traces || []).forEach((t, i) => { data[t] = Object.assign({}, data[t], (frame.data || [])[i]); });
    const layout = Object.assign({}, fig.layout);
    for (const key of ["shapes", "annotations"]) {
      const items = (frame.layout || {})[key];
      if (!items || !layout[key]) continue;
      layout[key] = layout[key].slice();
      items.forEach((item, i) => { layout[key][i] = Object.assign({}, layout[key][i], item); });
    }
    return { data: data, layout: layout };
  }

  function draw(args, step) {
    const fig = args.figure;
    stop(false);
    state.names = (fig.frames || []).map((f) => f.name);
    state.steps = args.steps;
    el("scrub").max = String(Math.max(1, state.steps));
    const shown = atStep(fig, step);
    if (state.names.includes(String(step))) {
      state.current = step;
      showLabel();
    }
    const layout = Object.assign({}, shown.layout, { autosize: true });
    const config = { displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false,
                     showTips: false };
    // Plotly.react redraws only what changed (an edit usually changes numbers, not the panels), and
    // replaces the frames; the first figure is drawn with newPlot, and the chart's events are bound once.
    const figure = { data: shown.data, layout: layout, frames: fig.frames, config: config };
    if (state.bound) return Plotly.react(gd, figure);
    return Plotly.newPlot(gd, figure).then(() => { bindChart(); state.bound = true; });
  }

  // Renders come in order; drawing is asynchronous. Chain every change on the previous one, so a step is
  // never applied to a figure that is still being replaced (the label and the chart always agree).
  function render(args) {
    state.speed = Number(args.speed_ms) || 400;
    el("speed").value = String(state.speed);
    state.presentation = Boolean(args.presentation);
    document.body.classList.toggle("presentation", state.presentation);
    // The app answers the reports it had when it ran (``seen``: the number of the last one). A render that has
    // not seen our latest report carries an older step: keep ours (the answer to that report is on its way).
    const behind = Number(args.seen || 0) < state.seq;
    const target = behind ? state.current : Math.max(0, Math.min(Number(args.step) || 0, args.steps - 1));
    const previous = state.drawing || Promise.resolve();
    if (args.fig_id !== state.figId) {
      state.figId = args.fig_id;
      state.drawing = previous.then(() => {
        const step = state.playing ? state.current : target;
        // The new figure is drawn already at ``step`` when it has that frame: animating to it again would draw
        // the same picture twice. Otherwise go() asks the app for the frames around it.
        return draw(args, step).then(() => (state.names.includes(String(step)) ? null : go(step, false)));
      }).then(() => {
        setHeight();
        const size = measure();
        const used = args.layout || {};
        const off = (a, b) => !b || Math.abs(a - b) / b > 0.08;
        if (off(size.width, used.width) || off(size.avail, used.avail)) report();
      }).catch((err) => console.error(err));
    } else {
      state.drawing = previous.then(() => {
        if (!state.playing && target !== state.current) return go(target, false);
        return null;
      }).catch((err) => console.error(err));
    }
  }

  function bindChart() {
    gd.on("plotly_animatingframe", (event) => {
      if (!state.playing) return;
      state.current = Number(event.name);
      showLabel();
    });
    gd.on("plotly_animated", () => {
      if (state.playing) { setPlaying(false); report(); }
    });
    gd.on("plotly_click", (event) => {
      const point = event && event.points && event.points[0];
      if (!point || point.customdata === undefined || point.customdata === null) return;
      const step = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
      if (Number.isInteger(step)) go(step, true);
    });
  }

  // --- Controls and keys ---------------------------------------------------------------------------------
  el("first").addEventListener("click", () => go(Number(state.names[0] || 0), true));
  el("last").addEventListener("click", () => go(Number(state.names[state.names.length - 1] || 0), true));
  el("back").addEventListener("click", () => move(-1));
  el("next").addEventListener("click", () => move(1));
  el("play").addEventListener("click", () => (state.playing ? stop(true) : play()));
  // While dragging, show the nearest frame; on release, the exact step.
  el("scrub").addEventListener("input", () => {
    stop(false);
    const step = Number(el("scrub").value) - 1;
    showFrame(state.names[indexOfStep(step)], false);
    el("label").textContent = `Step ${step + 1} of ${state.steps}`;
  });
  el("scrub").addEventListener("change", () => go(Number(el("scrub").value) - 1, true));
  el("speed").addEventListener("change", () => {
    state.speed = Number(el("speed").value);
    if (state.playing) { stop(false); play(); }
    report();
  });

  const typing = (target) => {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], [role='slider'], [role='combobox'], [role='textbox']"));
  };
  function onKey(event, fromParent) {
    if (fromParent && (!state.presentation || typing(event.target))) return;
    if (!fromParent && event.target && event.target.tagName === "INPUT") return;  // the scrub bar handles its keys
    const keys = { ArrowRight: () => move(1), PageDown: () => move(1), ArrowLeft: () => move(-1),
                   PageUp: () => move(-1), Home: () => go(Number(state.names[0]), true),
                   End: () => go(Number(state.names[state.names.length - 1]), true),
                   " ": () => (state.playing ? stop(true) : play()) };
    if (event.key === " " && event.target && event.target.tagName === "BUTTON") return;  // a button's own click
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  window.addEventListener("keydown", (event) => onKey(event, false));
  // A presenter's clicker sends Page Up / Page Down to the page, not to this frame: listen there too
  // (presentation mode only), and stop listening when this frame goes away.
  const parentKey = (event) => onKey(event, true);
  try {
    window.parent.document.addEventListener("keydown", parentKey);
    window.addEventListener("pagehide", () => window.parent.document.removeEventListener("keydown", parentKey));
  } catch (err) { /* keys reach us only when the chart has the focus */ }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (data && data.type === "streamlit:render") render(data.args || {});
  });
  window.addEventListener("resize", () => setHeight());
  send("streamlit:componentReady", { apiVersion: 1 });
})();

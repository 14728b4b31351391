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
    // What sits above the figure: the controls and, when the kernel is editable, the preset row under them.
    const above = Math.max(el("stage").getBoundingClientRect().top, el("controls").getBoundingClientRect().height || 52);
    return { width: Math.round(document.body.clientWidth), avail: Math.round(avail - above - 12) };
  }

  // ``change``: a kernel edit ({edit: {...}}) or a preset ({preset: name}); always sent, with the step and sizes.
  function report(change) {
    const size = measure();
    const value = { step: state.current, speed_ms: state.speed, width: size.width, avail: size.avail };
    const key = JSON.stringify(value);
    if (key === state.sent && !change) return;
    state.sent = key;
    state.seq += 1;
    Object.assign(value, change || {}, { seq: state.seq });
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
    // Plotly.animate rejects, with no reason, when a newer animation interrupts it (a quick Next after Play):
    // that is normal here, and unhandled it surfaced as a page error "undefined".
    const done = Plotly.animate(gd, [name], {
      mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 },
    }).catch(interrupted);
    if (tell) report();
    return done;
  }

  function interrupted(err) {
    if (err !== undefined) console.error(err);
    return null;
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
    }).catch(interrupted);
  }

  function stop(tell) {
    if (!state.playing) return;
    setPlaying(false);
    Plotly.animate(gd, [null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } })
      .catch(interrupted);
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
    if (state.bound) return Plotly.react(gd, figure).then(layoutCells);
    return Plotly.newPlot(gd, figure).then(() => { bindChart(); state.bound = true; layoutCells(); });
  }

  // Renders come in order; drawing is asynchronous. Chain every change on the previous one, so a step is
  // never applied to a figure that is still being replaced (the label and the chart always agree).
  // A partial figure (few frames, sent right after a kernel edit): ask for the whole one once editing pauses. A figure
  // the part of the page below the player has not followed yet (``refresh``: after an edit, which reruns only the
  // player and the maps, so that they show it at once): say so once it is drawn and editing pauses, and that part
  // follows.
  let followTimer = null;
  function askFollow(partial, refresh) {
    clearTimeout(followTimer);
    if (!partial && !refresh) return;
    const ask = () => {
      if (kernel.editing || state.playing) { followTimer = setTimeout(ask, 400); return; }
      report(Object.assign(partial ? { complete: true } : {}, refresh ? { refresh: true } : {}));
    };
    followTimer = setTimeout(ask, 700);
  }

  function render(args) {
    setKernel(args.kernel || null);
    askFollow(Boolean(args.partial), Boolean(args.refresh));
    state.speed = Number(args.speed_ms) || 400;
    el("speed").value = String(state.speed);
    // Entering presentation mode with its switch: the full run that leaves the sidebar out does not take its column
    // away in the browser (an empty grey 300 px stayed), a run of the player's fragment does. So report once, which
    // is such a run (and lays the figure out again for the room the sidebar leaves).
    // (A new player, mounted by that run, enters too: it reports once as well.)
    const entering = Boolean(args.presentation) && !state.presentation;
    state.presentation = Boolean(args.presentation);
    if (entering) setTimeout(() => report({ presented: true }), 50);
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
        state.used = used;
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
    gd.on("plotly_afterplot", layoutCells);  // a resize or a redraw moves the kernel panel: its cells follow
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

  // --- The kernel, editable in place ---------------------------------------------------------------------
  // Transparent buttons over the kernel panel's cells (Plotly draws the numbers). A click, a tap, Enter, F2, or a
  // typed digit opens a number field in place: Enter applies, Tab applies and opens the next cell (Shift+Tab the
  // previous), Esc cancels; the arrow keys and the wheel nudge by 1 (by 0.1 with Shift). A value that is not a
  // plain number, or out of the app's one range (``spec.limit``, ``spec.number``: from the studio's state model), is
  // refused in place with a short message and the old value stays. An applied value goes to the app as the
  // component's value ({edit}); the app writes it into its state and sends the new figure.
  const kernel = { spec: null, key: null, buttons: [], editing: null, nudgeTimer: null, notice: null };
  const cellsBox = el("cells");
  const message = el("edit-msg");

  function kernelDims(spec) {
    const v = spec.values;
    return [v.length, v[0].length, v[0][0].length];
  }

  function cellName(spec, ch, r, c) {
    const chName = spec.channels.length > 1 ? ` ${spec.channels[ch]}` : "";
    return `Kernel${chName}, row ${r + 1}, column ${c + 1}`;
  }

  const shown = (v) => String(Number(v.toPrecision(12)));

  function setKernel(spec) {
    kernel.spec = spec;
    const bar = el("kernel-bar");
    bar.hidden = !spec;
    if (!spec) { closeEditor(false); cellsBox.replaceChildren(); kernel.key = null; return; }
    const [kh, kw, ch] = kernelDims(spec);
    const key = `${spec.filter}:${kh}x${kw}x${ch}`;
    if (key !== kernel.key) {
      closeEditor(false);
      kernel.key = key;
      kernel.buttons = [];
      cellsBox.replaceChildren();
      for (let k = 0; k < ch; k++) {
        for (let r = 0; r < kh; r++) {
          for (let c = 0; c < kw; c++) {
            const b = document.createElement("button");
            b.type = "button";
            b.className = "kcell";
            b.dataset.cell = `${k},${r},${c}`;
            b.addEventListener("click", () => openEditor(k, r, c, null));
            b.addEventListener("keydown", (event) => onCellKey(event, k, r, c));
            cellsBox.appendChild(b);
            kernel.buttons.push(b);
          }
        }
      }
    }
    for (const b of kernel.buttons) {
      const [k, r, c] = b.dataset.cell.split(",").map(Number);
      b.classList.remove("pending");
      b.setAttribute("aria-label", `${cellName(spec, k, r, c)}: ${shown(spec.values[r][c][k])}. Enter to change it.`);
    }
    const presets = el("presets");
    const names = JSON.stringify(spec.presets || []);
    if (presets.dataset.names !== names) {
      presets.dataset.names = names;
      presets.replaceChildren(...(spec.presets || []).map(([name, labelText]) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = labelText;
        b.setAttribute("aria-label", `Kernel preset: ${labelText}`);
        b.addEventListener("click", () => { closeEditor(false); report({ preset: name }); });
        return b;
      }));
    }
    el("kernel-hint").textContent = (spec.presets || []).length ? "Kernel: click a cell to change it, or"
      : "Kernel: click a cell to change it.";
    if (spec.notice && spec.notice.id !== kernel.notice) {  // the app refused an edit: say why, once
      kernel.notice = spec.notice.id;
      showMessage(spec.notice.text, null);
    }
    layoutCells();
  }

  function axisOf(id) {
    const full = gd._fullLayout;
    if (!full) return null;
    const name = id[0] === "x" ? `xaxis${id.slice(1)}` : `yaxis${id.slice(1)}`;
    return full[name] || null;
  }

  function cellRect(k, r, c) {
    const ids = kernel.spec.axes[k];
    const xa = axisOf(ids[0]), ya = axisOf(ids[1]);
    if (!xa || !ya || !xa.l2p || !ya.l2p) return null;
    const x0 = xa._offset + xa.l2p(c - 0.5), x1 = xa._offset + xa.l2p(c + 0.5);
    const y0 = ya._offset + ya.l2p(r - 0.5), y1 = ya._offset + ya.l2p(r + 0.5);
    return { left: Math.min(x0, x1), top: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
  }

  function place(node, rect) {
    node.style.left = `${rect.left}px`;
    node.style.top = `${rect.top}px`;
    node.style.width = `${rect.width}px`;
    node.style.height = `${rect.height}px`;
  }

  function editorRect(rect) {  // at least a comfortable field for a finger and a few digits
    const width = Math.max(rect.width, 64), height = Math.max(rect.height, 40);
    return { left: rect.left - (width - rect.width) / 2, top: rect.top - (height - rect.height) / 2, width, height };
  }

  function layoutCells() {
    if (!kernel.spec || !gd._fullLayout) return;
    for (const b of kernel.buttons) {
      const [k, r, c] = b.dataset.cell.split(",").map(Number);
      const rect = cellRect(k, r, c);
      b.hidden = !rect;
      if (rect) place(b, rect);
    }
    const e = kernel.editing;
    if (e) {
      const rect = cellRect(e.k, e.r, e.c);
      if (rect) place(e.input, editorRect(rect));
    }
  }

  function buttonOf(k, r, c) {
    return kernel.buttons.find((b) => b.dataset.cell === `${k},${r},${c}`) || null;
  }

  function onCellKey(event, k, r, c) {
    const key = event.key;
    if (key === "Enter" || key === "F2" || key === " ") {
      event.preventDefault(); event.stopPropagation(); openEditor(k, r, c, null);
    } else if (key === "ArrowUp" || key === "ArrowDown") {
      event.preventDefault(); event.stopPropagation();
      openEditor(k, r, c, null);
      nudge(key === "ArrowUp" ? 1 : -1, event.shiftKey);
    } else if (key.length === 1 && /[0-9.+\-]/.test(key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault(); event.stopPropagation(); openEditor(k, r, c, key);  // typing starts a new value
    }
  }

  function openEditor(k, r, c, typed) {
    if (!kernel.spec) return;
    if (kernel.editing) {
      const e = kernel.editing;
      if (e.k === k && e.r === r && e.c === c) { e.input.focus(); return; }
      if (!commit()) return;
      closeEditor(false);
    }
    const rect = cellRect(k, r, c);
    if (!rect) return;
    stop(true);
    const original = kernel.spec.values[r][c][k];
    const input = document.createElement("input");
    input.type = "text";
    input.className = "kedit";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("aria-label", `${cellName(kernel.spec, k, r, c)}, now ${shown(original)}: type a new value `
      + "(Enter to apply, Escape to cancel, arrow keys to change it by 1, with Shift by 0.1)");
    input.setAttribute("aria-describedby", "edit-msg");
    input.value = typed === null ? shown(original) : typed;
    const rectE = editorRect(rect);
    place(input, rectE);
    input.style.fontSize = `${Math.round(Math.max(16, Math.min(rectE.height * 0.5, 40)))}px`;
    kernel.editing = { k, r, c, input, original, closing: false };
    input.addEventListener("keydown", onEditorKey);
    input.addEventListener("input", () => { input.removeAttribute("aria-invalid"); hideMessage(); });
    input.addEventListener("wheel", (event) => {
      event.preventDefault();
      nudge(event.deltaY < 0 ? 1 : -1, event.shiftKey);
    }, { passive: false });
    input.addEventListener("blur", () => {
      const e = kernel.editing;
      if (!e || e.input !== input || e.closing) return;
      if (!commit(true)) { closeEditor(false); }
      else closeEditor(false);
    });
    cellsBox.appendChild(input);
    input.focus();
    if (typed === null) input.select();
  }

  function closeEditor(focusCell) {
    const e = kernel.editing;
    if (!e) return;
    e.closing = true;
    clearTimeout(kernel.nudgeTimer);
    kernel.editing = null;
    const b = buttonOf(e.k, e.r, e.c);
    if (focusCell && b) b.focus();
    e.input.remove();
    hideMessage();
  }

  function limitText() {
    const n = Number(kernel.spec.limit);
    return `${(-n).toLocaleString("en-US")} and ${n.toLocaleString("en-US")}`;
  }

  // Check the field and send it when it changed; false (and a message at the cell) when it is refused.
  function commit(quiet) {
    const e = kernel.editing;
    if (!e || !kernel.spec) return true;
    clearTimeout(kernel.nudgeTimer);
    const text = e.input.value.trim();
    const grammar = new RegExp(`^(?:${kernel.spec.number})$`);
    const value = Number(text);
    let problem = null;
    if (!grammar.test(text) || !Number.isFinite(value)) problem = "Not a number: type a value such as -1 or 0.5.";
    else if (Math.abs(value) > Number(kernel.spec.limit)) problem = `Out of range: keep it between ${limitText()}.`;
    if (problem) {
      if (!quiet) {
        e.input.setAttribute("aria-invalid", "true");
        showMessage(`${problem} The value stays ${shown(e.original)}.`, e);
      }
      return false;
    }
    if (value !== e.original) {
      kernel.spec.values[e.r][e.c][e.k] = value;
      e.original = value;
      const b = buttonOf(e.k, e.r, e.c);
      if (b) b.classList.add("pending");
      report({ edit: { filter: kernel.spec.filter, channel: e.k, row: e.r, col: e.c, text: text } });
    }
    return true;
  }

  function nudge(direction, fine) {
    const e = kernel.editing;
    if (!e) return;
    const text = e.input.value.trim();
    const start = Number.isFinite(Number(text)) && text !== "" ? Number(text) : e.original;
    const next = Number((start + direction * (fine ? 0.1 : 1)).toFixed(10));
    if (Math.abs(next) > Number(kernel.spec.limit)) return;
    e.input.value = String(next);
    e.input.removeAttribute("aria-invalid");
    hideMessage();
    clearTimeout(kernel.nudgeTimer);
    kernel.nudgeTimer = setTimeout(() => { if (kernel.editing === e) commit(); }, 300);
  }

  function neighbour(k, r, c, step) {
    const [kh, kw, ch] = kernelDims(kernel.spec);
    const index = (k * kh + r) * kw + c + step;
    if (index < 0 || index >= kh * kw * ch) return null;
    return [Math.floor(index / (kh * kw)), Math.floor((index % (kh * kw)) / kw), index % kw];
  }

  function onEditorKey(event) {
    const e = kernel.editing;
    if (!e) return;
    event.stopPropagation();  // the player's own keys (Space, arrows) stay out of the field
    const key = event.key;
    if (key === "Enter") {
      event.preventDefault();
      if (commit()) closeEditor(true);
    } else if (key === "Escape") {
      event.preventDefault();
      closeEditor(true);
    } else if (key === "Tab") {
      event.preventDefault();
      if (!commit()) return;
      const next = neighbour(e.k, e.r, e.c, event.shiftKey ? -1 : 1);
      closeEditor(!next);
      if (next) openEditor(next[0], next[1], next[2], null);
    } else if (key === "ArrowUp" || key === "ArrowDown") {
      event.preventDefault();
      nudge(key === "ArrowUp" ? 1 : -1, event.shiftKey);
    }
  }

  function showMessage(text, e) {
    message.textContent = text;
    message.hidden = false;
    let left = 8, top = 8;
    if (e) {
      const r = editorRect(cellRect(e.k, e.r, e.c) || { left: 8, top: 8, width: 0, height: 0 });
      left = r.left; top = r.top + r.height + 6;
    }
    const room = document.body.clientWidth - message.offsetWidth - 4;
    message.style.left = `${Math.max(4, Math.min(left, room))}px`;
    message.style.top = `${top}px`;
  }

  function hideMessage() {
    message.hidden = true;
    message.textContent = "";
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
    if (event.target && event.target.closest && event.target.closest("#cells")) return;  // a kernel cell's own keys
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
  // The room changed (presentation mode took the sidebar away, a window resized): tell the app once it settles,
  // so that it lays the figure out for the new width (numbers in the cells, controls on one row).
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    setHeight();
    layoutCells();
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const size = measure();
      const off = (a, b) => !b || Math.abs(a - b) / b > 0.08;
      if (state.used && (off(size.width, state.used.width) || off(size.avail, state.used.avail))) report();
    }, 250);
  });
  send("streamlit:componentReady", { apiVersion: 1 });
})();

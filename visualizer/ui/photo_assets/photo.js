// Feature maps as pictures (visualizer/figures/pictures.py): each map an image, its numbers written over its cells
// while they fit (each in the colour that reads on its cell), its value under the pointer in its caption.
// With a photo: the photo too, and the animated region outlined in each picture; a click or a drag on the photo or
// on any map moves the region there (the value sent back is where, as fractions of the picture).
// Every text comes in as plain text (names can come from a share link) and is set with textContent, never HTML.
(function () {
  "use strict";

  const send = (type, data) =>
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data || {}), "*");
  const setHeight = () => send("streamlit:setFrameHeight", { height: document.documentElement.scrollHeight });
  const photoTile = document.getElementById("photo-tile");
  const panels = document.getElementById("panels");
  const lens = document.getElementById("lens");
  const LENS_PX = 168;
  const MIN_FONT = 11, CELL_MARGIN = 0.1;  // a number is this big or not written; it keeps this much of its cell free
  const TILE_MIN_PX = 150, TILE_MAX_PX = 240;  // a map that is not a photo's: its tile's width
  const LARGE = 1.9;  // presentation mode: tiles and numbers this much larger
  let shown = null;
  let args = {};
  let seq = 0;
  let drag = null;  // the picture being dragged on

  // A tile: its title over a picture that holds the image, the region's outline and the pointer's ghost outline.
  function tile(parent, info, index) {
    const fig = document.createElement("figure");
    fig.className = "tile";
    const cap = document.createElement("figcaption");
    const title = document.createElement("span");
    title.textContent = info.title || "";
    cap.appendChild(title);
    if (info.limit) {
      const limit = document.createElement("span");
      limit.className = "limit";
      limit.textContent = "  " + info.limit;
      cap.appendChild(limit);
    }
    const readout = document.createElement("span");
    readout.className = "readout";
    cap.appendChild(readout);
    const pic = document.createElement("div");
    pic.className = "pic";
    pic.dataset.target = index;
    const img = document.createElement("img");
    img.alt = info.alt || info.title || "";
    img.src = info.src;
    img.draggable = false;
    img.addEventListener("load", () => { boxes(); setHeight(); });
    const box = document.createElement("div");
    box.className = "box";
    const ghost = document.createElement("div");
    ghost.className = "ghost";
    pic.append(img);
    if (info.text) pic.appendChild(numbers(info));
    pic.append(box, ghost);
    if (info.title) fig.appendChild(cap);
    fig.appendChild(pic);
    parent.appendChild(fig);
    if (args.photo) bind(pic); else pic.classList.add("still");
    if (info.z) hover(pic, info, readout);
    return fig;
  }

  // The numbers of a small map, one per cell, each in the ink that reads on its colour; sized in fit().
  function numbers(info) {
    const grid = document.createElement("div");
    grid.className = "values";
    grid.setAttribute("aria-hidden", "true");
    grid.style.gridTemplateColumns = `repeat(${info.w}, 1fr)`;
    grid.style.gridTemplateRows = `repeat(${info.h}, 1fr)`;
    let longest = 1;
    info.text.forEach((row, r) => row.forEach((t, c) => {
      const cell = document.createElement("span");
      cell.textContent = t;
      if ((info.ink || [])[r] && info.ink[r][c] === "w") cell.className = "light";
      grid.appendChild(cell);
      longest = Math.max(longest, t.length);
    }));
    grid.dataset.cols = String(info.w);
    grid.dataset.longest = String(longest);
    grid.dataset.font = String(info.font || 16);
    return grid;
  }

  // Each map's numbers as large as its cells allow (a digit is about 0.62 em wide), up to the size asked; none
  // when they would be smaller than MIN_FONT (the value is then under the pointer).
  function fit() {
    // Maps that are not a photo's: rows of equal length (4 maps on one row, not 3 and 1), tiles 150 to 240 px wide.
    for (const grid of document.querySelectorAll(".grid.small")) {
      const n = grid.children.length, width = grid.clientWidth, gap = 8;
      const grow = args.large ? LARGE : 1;
      const most = Math.max(1, Math.floor((width + gap) / (TILE_MIN_PX * grow + gap)));
      const cols = Math.max(1, Math.ceil(n / Math.ceil(n / most)));
      const tilePx = Math.min(TILE_MAX_PX * grow, (width - (cols - 1) * gap) / cols);
      grid.style.gridTemplateColumns = `repeat(${cols}, ${Math.floor(tilePx)}px)`;
    }
    for (const grid of document.querySelectorAll(".values")) {
      const cell = grid.parentElement.getBoundingClientRect().width / Number(grid.dataset.cols);
      const room = cell * (1 - 2 * CELL_MARGIN);
      const size = Math.min(Number(grid.dataset.font) * (args.large ? LARGE : 1),
                            room / (0.62 * Number(grid.dataset.longest)), cell * 0.6);
      grid.hidden = !(size >= MIN_FONT);
      grid.style.fontSize = `${Math.floor(size)}px`;
    }
  }

  // The value under the pointer, after the map's title: "row 2, column 0: -3".
  function hover(pic, info, readout) {
    pic.addEventListener("pointermove", (event) => {
      const [fy, fx] = fractions(pic, event);
      const r = Math.min(info.h - 1, Math.floor(fy * info.h)), c = Math.min(info.w - 1, Math.floor(fx * info.w));
      const value = info.text ? info.text[r][c] : String(Number(info.z[r][c].toFixed(4)));
      readout.textContent = ` · row ${r}, column ${c}: ${value}`;
    });
    pic.addEventListener("pointerleave", () => { readout.textContent = ""; });
  }

  function pics() { return Array.from(document.querySelectorAll(".pic")); }

  function infoOf(pic) {
    const t = pic.dataset.target;
    if (t === "photo") return args.photo;
    const [p, i] = t.split(":").map(Number);
    return ((args.panels || [])[p] || { tiles: [] }).tiles[i];
  }

  // An outline at its place, never smaller than MIN_BOX_PX on screen (a 6-pixel region of a 640-pixel photo
  // would be a dot), centred on where it is.
  const MIN_BOX_PX = 10;
  function place(el, info, box) {
    if (!info || !box) { el.style.display = "none"; return; }
    el.style.display = "block";
    const shown = el.parentElement.getBoundingClientRect();
    const sy = shown.height / info.h || 1, sx = shown.width / info.w || 1;
    const h = Math.max(box[2] * sy, MIN_BOX_PX), w = Math.max(box[3] * sx, MIN_BOX_PX);
    el.style.top = ((box[0] + box[2] / 2) * sy - h / 2) + "px";
    el.style.left = ((box[1] + box[3] / 2) * sx - w / 2) + "px";
    el.style.height = h + "px";
    el.style.width = w + "px";
  }

  function boxes() {
    for (const pic of pics()) {
      const info = infoOf(pic);
      place(pic.querySelector(".box"), info, info && info.box);
    }
  }

  // Where the pointer is, as fractions (0..1) of the picture.
  function fractions(pic, event) {
    const r = pic.getBoundingClientRect();
    const fy = Math.min(1, Math.max(0, (event.clientY - r.top) / r.height));
    const fx = Math.min(1, Math.max(0, (event.clientX - r.left) / r.width));
    return [fy, fx];
  }

  function ghostAt(pic, fy, fx) {
    const info = infoOf(pic);
    if (!info || !info.box) return;
    const bh = info.box[2], bw = info.box[3];
    const y = Math.min(Math.max(0, fy * info.h - bh / 2), info.h - bh);
    const x = Math.min(Math.max(0, fx * info.w - bw / 2), info.w - bw);
    place(pic.querySelector(".ghost"), info, [y, x, bh, bw]);
    showLens(fy, fx);
  }

  function showLens(fy, fx) {
    const p = args.photo;
    if (!p || !p.box) return;
    const zoom = LENS_PX / Math.max(p.box[2], p.box[3]);
    lens.style.display = "block";
    lens.style.backgroundImage = "url(" + JSON.stringify(p.src) + ")";
    lens.style.backgroundSize = (p.w * zoom) + "px " + (p.h * zoom) + "px";
    const cy = Math.min(Math.max(fy * p.h, p.box[2] / 2), p.h - p.box[2] / 2);
    const cx = Math.min(Math.max(fx * p.w, p.box[3] / 2), p.w - p.box[3] / 2);
    lens.style.backgroundPosition = (LENS_PX / 2 - cx * zoom) + "px " + (LENS_PX / 2 - cy * zoom) + "px";
  }

  // Without a pointer over a picture, the magnifier shows the animated region itself.
  function hideGhosts() {
    for (const g of document.querySelectorAll(".ghost")) g.style.display = "none";
    const p = args.photo;
    if (p && p.box) showLens((p.box[0] + p.box[2] / 2) / p.h, (p.box[1] + p.box[3] / 2) / p.w);
  }

  function bind(pic) {
    pic.addEventListener("pointerdown", (event) => {
      drag = pic;
      pic.setPointerCapture(event.pointerId);
      const [fy, fx] = fractions(pic, event);
      ghostAt(pic, fy, fx);
      event.preventDefault();
    });
    pic.addEventListener("pointermove", (event) => {
      if (drag && drag !== pic) return;
      const [fy, fx] = fractions(pic, event);
      ghostAt(pic, fy, fx);
    });
    pic.addEventListener("pointerleave", () => { if (!drag) hideGhosts(); });
    pic.addEventListener("pointerup", (event) => {
      if (drag !== pic) return;
      drag = null;
      const [fy, fx] = fractions(pic, event);
      seq += 1;
      send("streamlit:setComponentValue", { value: { target: pic.dataset.target, fy: fy, fx: fx, seq: seq },
                                            dataType: "json" });
    });
    pic.addEventListener("pointercancel", () => { drag = null; hideGhosts(); });
  }

  function text(el, value) { el.textContent = value || ""; }

  function draw() {
    const p = args.photo;
    document.getElementById("photo-section").hidden = !p;
    text(document.getElementById("photo-heading"), p ? p.heading : "");
    text(document.getElementById("photo-hint"), p ? p.hint : "");
    photoTile.replaceChildren();
    if (p) tile(photoTile, Object.assign({}, p, { title: "" }), "photo");
    panels.replaceChildren();
    (args.panels || []).forEach((panel, pi) => {
      const section = document.createElement("section");
      const head = document.createElement("p");
      head.className = "heading";
      const bold = document.createElement("strong");
      const rest = document.createElement("span");
      text(bold, (panel.heading || [])[0]);
      text(rest, (panel.heading || [])[1]);
      head.append(bold, rest);
      const grid = document.createElement("div");
      grid.className = args.photo ? "grid" : "grid small";
      (panel.tiles || []).forEach((t, ti) => tile(grid, t, pi + ":" + ti));
      const note = document.createElement("p");
      note.className = "note";
      text(note, panel.note);
      section.append(head, grid, note);
      panels.appendChild(section);
    });
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "streamlit:render") return;
    args = data.args || {};
    document.body.classList.toggle("large", Boolean(args.large));
    if (args.fig_id !== shown) {
      shown = args.fig_id;
      draw();
    }
    fit();
    boxes();
    hideGhosts();
    setHeight();
  });
  window.addEventListener("resize", () => { fit(); boxes(); setHeight(); });
  send("streamlit:componentReady", { apiVersion: 1 });
})();

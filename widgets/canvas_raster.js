// Canvas raster: a raster figure drawn from a bit-packed [rows, cols] spike matrix sent by
// widgets/canvas_raster.py.
//
// Bits are numpy.packbits order (big-endian, row-major, no per-row padding): cell (r, c) is bit
// i = r * cols + c, found at (bytes[i >> 3] >> (7 - (i & 7))) & 1. Row 0 (neuron 0) is drawn at
// the bottom, column 0 (the first time bin) at the left. A binned raster also carries `dense`, packed alike:
// the bins in which at least half of the cells spiked; bins with any spike are painted at SOME of the
// spike colour, dense bins in full, and a key on the title line says so. The figure is `height` high and as wide as
// its box (the `width` trait when the box is under 200 px): a plot area with the image,
// time ticks below, neuron ticks on the left, axis titles, a rate margin on the right, the selected
// neuron's row and the selected time step marked. The image is decoded into an off-screen canvas
// only when the bits change; a selection change repaints the figure from that canvas. When a time
// bin is at least TICK_MIN_PX wide on screen, each spike is drawn as a thin vertical tick in its cell
// instead (neighbouring spikes stay apart, as in an event plot). Hovering a cell names it (the
// canvas's tooltip): its step(s), neuron(s) and whether it holds a spike.

const MARGIN = { left: 64, right: 12, top: 26, bottom: 44 };
const RATE_WIDTH = 90; // the rate margin, right of the raster
const GAP = 10;
const FONT = "11px sans-serif";
const TITLE_FONT = "12px sans-serif";
const TICK_MIN_PX = 3; // time bins at least this wide on screen are drawn as ticks, not filled cells
const TICK_MAX_SPIKES = 200000; // more spikes than this are always drawn as an image
const SOME = 0.4; // binned: a bin with spikes in fewer than half of its cells, this share of the spike colour

// Parse any CSS colour into [r, g, b, a] (0-255) with a 1x1 canvas.
function parseColor(css) {
  const c = document.createElement("canvas");
  c.width = c.height = 1;
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  return Array.from(ctx.getImageData(0, 0, 1, 1).data);
}

// Pack [r, g, b, a] into one little-endian 32-bit pixel (ImageData byte order r, g, b, a).
export function pixelValue(rgba) {
  return ((rgba[3] << 24) | (rgba[2] << 16) | (rgba[1] << 8) | rgba[0]) >>> 0;
}

// Bit i of packed bytes (numpy.packbits order: big-endian within a byte); 0 beyond the end.
export function bitAt(bytes, i) {
  return (i >> 3) < bytes.length ? (bytes[i >> 3] >> (7 - (i & 7))) & 1 : 0;
}

// The cells (row, col) whose bit is set, as one Int32Array of flat indices r * cols + c.
export function setCells(bytes, rows, cols) {
  const total = rows * cols;
  const found = [];
  const nbytes = Math.min(bytes.length, (total + 7) >> 3);
  for (let k = 0; k < nbytes; k++) {
    if (bytes[k] === 0) continue;
    for (let i = k << 3; i < Math.min((k + 1) << 3, total); i++) if (bitAt(bytes, i)) found.push(i);
  }
  return Int32Array.from(found);
}

// Fill `pixels` (Uint32Array of rows * cols) with `off`, then `on` at the set `cells`; row 0 lands on the
// last line.
export function paintCells(pixels, cells, rows, cols, on, off) {
  pixels.fill(off);
  markCells(pixels, cells, rows, cols, on);
}

// Set `value` at the `cells` (flat indices r * cols + c) of `pixels`, row 0 on the last line.
export function markCells(pixels, cells, rows, cols, value) {
  for (const i of cells) {
    const r = (i / cols) | 0;
    pixels[(rows - 1 - r) * cols + (i - r * cols)] = value;
  }
}

// The colour `share` of the way from `from` to `to` ([r, g, b, a], 0-255, rounded).
export function blend(from, to, share) {
  return from.map((v, k) => Math.round(v + (to[k] - v) * share));
}

// The rectangles [x, y, w, h] of spike ticks in a plot area (x, y, w, h): one per set cell, centred in
// its cell, at most 2 px and 40 % of a cell wide, 80 % of a row high (at least 1 px); row 0 at the bottom.
export function tickRects(cells, rows, cols, area) {
  const cw = area.w / cols;
  const rh = area.h / rows;
  const w = Math.max(1, Math.min(2, cw * 0.4));
  const h = Math.max(1, rh * 0.8);
  const out = [];
  for (const i of cells) {
    const r = (i / cols) | 0;
    const c = i - r * cols;
    out.push([area.x + (c + 0.5) * cw - w / 2, area.y + area.h - (r + 0.5) * rh - h / 2, w, h]);
  }
  return out;
}

// Tick values over [lo, hi]: the smallest step of 1, 2 or 5 x 10^k that gives at most `most` ticks,
// integers when `integer` (the rule of snnlab.viz.ticks.nice_ticks).
export function niceTicks(lo, hi, most, integer) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / most;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = power;
  for (const m of [1, 2, 5, 10]) {
    step = m * power;
    if (Math.floor(hi / step + 1e-9) - Math.ceil(lo / step - 1e-9) + 1 <= most) break;
  }
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) ticks.push(+(k * step).toPrecision(12));
  return ticks;
}

function asBytes(value) {
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

function asFloats(value) {
  const bytes = asBytes(value);
  const copy = new Uint8Array(bytes.length - (bytes.length % 4));
  copy.set(bytes.subarray(0, copy.length));
  return new Float32Array(copy.buffer);
}

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "snnlab-canvas-raster";
  canvas.style.display = "block";
  canvas.style.cursor = "crosshair";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const image = document.createElement("canvas"); // the decoded raster, one pixel per cell
  let drawnCount = 0;
  let cells = new Int32Array(0); // the set cells (flat indices), kept for tick drawing
  let box = null; // the plot area of the last paint, in CSS pixels

  function decode() {
    const rows = model.get("rows");
    const cols = model.get("cols");
    image.width = Math.max(cols, 1);
    image.height = Math.max(rows, 1);
    const ictx = image.getContext("2d");
    const data = ictx.createImageData(image.width, image.height);
    const pixels = new Uint32Array(data.data.buffer);
    cells = rows && cols ? setCells(asBytes(model.get("bits")), rows, cols) : new Int32Array(0);
    const denseBytes = asBytes(model.get("dense"));
    const dense = denseBytes.length && rows && cols ? setCells(denseBytes, rows, cols) : null;
    const on = parseColor(model.get("on_color"));
    const off = parseColor(model.get("off_color"));
    // binned: bins with any spike in the light shade, those where at least half of the cells spiked in full
    paintCells(pixels, cells, rows, cols, pixelValue(dense ? blend(off, on, SOME) : on), pixelValue(off));
    if (dense) markCells(pixels, dense, rows, cols, pixelValue(on));
    ictx.putImageData(data, 0, 0);
    drawnCount = cells.length;
    canvas.dataset.dense = String(dense ? dense.length : 0);
    canvas.dataset.rows = String(rows);
    canvas.dataset.cols = String(cols);
    canvas.dataset.spikes = String(drawnCount);
    canvas.dataset.tFirst = String(model.get("t_offset"));
    canvas.dataset.tLast = String(model.get("t_offset") + model.get("n_steps") - 1);
    canvas.dataset.neurons = String(model.get("n_neurons"));
  }

  let paints = 0;
  function paint() {
    canvas.dataset.paints = String(++paints); // a visible change a page (or a benchmark) can observe
    canvas.dataset.title = model.get("title"); // the title drawn, readable by a page (or a test)
    const available = el.clientWidth; // el is a block in the raster's box: the box's width (0 while detached)
    const width = available > 200 ? available : model.get("width"); // the width of its box (at least 200 px)
    const height = model.get("height");
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    const rows = model.get("rows");
    const cols = model.get("cols");
    const rates = asFloats(model.get("rates"));
    const margin = rates.length ? RATE_WIDTH + GAP : 0;
    const px = MARGIN.left;
    const py = MARGIN.top;
    const pw = Math.max(10, width - MARGIN.left - MARGIN.right - margin);
    const ph = Math.max(10, height - MARGIN.top - MARGIN.bottom);
    box = { x: px, y: py, w: pw, h: ph };
    ctx.font = TITLE_FONT;
    ctx.fillStyle = "#222";
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(model.get("title"), px, MARGIN.top / 2);
    if (asBytes(model.get("dense")).length) {
      const titleEnd = px + ctx.measureText(model.get("title")).width + 12;
      legend(titleEnd, width - MARGIN.right, MARGIN.top / 2);
    }
    if (rows === 0 || cols === 0) {
      ctx.strokeStyle = "#bbb";
      ctx.strokeRect(px + 0.5, py + 0.5, pw, ph);
      ctx.textAlign = "center";
      ctx.fillStyle = "#666";
      ctx.fillText("no data", px + pw / 2, py + ph / 2);
      return;
    }
    ctx.imageSmoothingEnabled = false;
    const ticks = cells.length <= TICK_MAX_SPIKES && pw / cols >= TICK_MIN_PX;
    canvas.dataset.form = ticks ? "ticks" : "image";
    if (ticks) {
      ctx.fillStyle = model.get("off_color");
      ctx.fillRect(px, py, pw, ph);
      ctx.fillStyle = model.get("on_color");
      for (const [x, y, w, h] of tickRects(cells, rows, cols, box)) ctx.fillRect(x, y, w, h);
    } else {
      ctx.drawImage(image, px, py, pw, ph);
    }
    const tf = model.get("t_factor");
    const nf = model.get("n_factor");
    const t0 = model.get("t_offset");
    const spanT = cols * tf; // time steps covered by the image
    const spanN = rows * nf;
    const xOf = (step) => px + ((step - t0 + 0.5) / spanT) * pw; // centre of a time step
    const yOf = (neuron) => py + ph - ((neuron + 0.5) / spanN) * ph;
    // selection marks
    const hl = model.get("highlight");
    if (hl && hl.length === 2 && hl[1] > hl[0]) {
      ctx.fillStyle = model.get("highlight_color");
      const x0 = px + (hl[0] / cols) * pw;
      ctx.fillRect(x0, py, Math.max(1.5, ((hl[1] - hl[0]) / cols) * pw), ph);
    }
    const row = model.get("selected_row");
    if (row >= 0 && row < rows) {
      const y0 = py + ph - ((row + 1) / rows) * ph;
      ctx.fillStyle = "rgba(255, 165, 0, 0.35)";
      ctx.fillRect(px, y0, pw, Math.max(2, ph / rows));
      ctx.strokeStyle = "#ff7f0e";
      ctx.strokeRect(px, y0, pw, Math.max(2, ph / rows));
    }
    // layer separators and names
    ctx.strokeStyle = "#d62728";
    ctx.setLineDash([4, 3]);
    for (const [start] of model.get("layers").slice(1)) {
      const y = py + ph - (start / spanN) * ph;
      ctx.beginPath();
      ctx.moveTo(px, y);
      ctx.lineTo(px + pw, y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.strokeStyle = "#444";
    ctx.strokeRect(px + 0.5, py + 0.5, pw, ph);
    // time axis
    ctx.fillStyle = "#222";
    ctx.font = FONT;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const tLast = t0 + model.get("n_steps") - 1;
    const mostX = Math.max(2, Math.min(10, Math.floor(pw / 60)));
    for (const v of niceTicks(t0, Math.max(t0, tLast), mostX, true)) {
      const x = xOf(v);
      ctx.fillRect(x, py + ph, 1, 4);
      ctx.fillText(String(v), x, py + ph + 6);
    }
    const binned = tf > 1 ? ` (bins of ${tf})` : "";
    ctx.fillText(`time step${binned}`, px + pw / 2, py + ph + 24);
    // neuron axis (or layer names)
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const layers = model.get("layers");
    if (layers.length > 1) {
      const ends = layers.slice(1).map((l) => l[0]).concat([model.get("n_neurons")]);
      layers.forEach(([start, name], k) => ctx.fillText(String(name), px - 6, yOf((start + ends[k] - 1) / 2)));
    } else {
      const mostY = Math.max(2, Math.min(10, Math.floor(ph / 30)));
      for (const v of niceTicks(0, Math.max(0, model.get("n_neurons") - 1), mostY, true)) {
        const y = yOf(v);
        ctx.fillRect(px - 4, y, 4, 1);
        ctx.fillText(String(v), px - 6, y);
      }
    }
    ctx.save();
    ctx.translate(14, py + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(nf > 1 ? `neuron (bins of ${nf}; 0 at the bottom)` : "neuron (0 at the bottom)", 0, 0);
    ctx.restore();
    // rate margin: one bar per row bin
    if (rates.length) {
      const rx = px + pw + GAP;
      let top = 0;
      for (const r of rates) top = Math.max(top, r);
      top = top > 0 ? top * 1.1 : 1;
      ctx.fillStyle = "#1f77b4";
      const rh = ph / rates.length;
      for (let k = 0; k < rates.length; k++) {
        const w = (rates[k] / top) * RATE_WIDTH;
        if (w > 0) ctx.fillRect(rx, py + ph - (k + 1) * rh, w, Math.max(rh, 1));
      }
      ctx.strokeStyle = "#444";
      ctx.strokeRect(rx + 0.5, py + 0.5, RATE_WIDTH, ph);
      ctx.fillStyle = "#222";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (const v of niceTicks(0, top, 3, false)) {
        const x = rx + (v / top) * RATE_WIDTH;
        ctx.fillRect(x, py + ph, 1, 4);
        ctx.fillText(String(v), x, py + ph + 6);
      }
      ctx.fillText("rate", rx + RATE_WIDTH / 2, py + ph + 24);
    }
  }

  // The key to a binned image's two shades on the title's line, right-aligned at `right`, in words that fit
  // between `left` and `right` (shorter words when the long ones do not; none when neither fits: the hover says it).
  function legend(left, right, y) {
    ctx.font = FONT;
    const wordings = [["at least half of a bin's cells spiked", "fewer"], ["\u2265 half spiked", "fewer"]];
    const widthOf = (texts) => texts.reduce((sum, text) => sum + ctx.measureText(text).width + 26, 0);
    const texts = wordings.find((candidate) => widthOf(candidate) <= right - left);
    if (!texts) return;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    let x = right;
    for (const [text, share] of [[texts[1], SOME], [texts[0], 1]]) {
      x -= ctx.measureText(text).width;
      ctx.fillStyle = "#222";
      ctx.fillText(text, x, y);
      x -= 14;
      const [r, g, b, a] = blend(parseColor(model.get("off_color")), parseColor(model.get("on_color")), share);
      ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${a / 255})`;
      ctx.fillRect(x, y - 5, 10, 10);
      ctx.strokeStyle = "#888";
      ctx.strokeRect(x + 0.5, y - 4.5, 9, 9);
      x -= 12;
    }
  }

  // The cell under a mouse event: {row, col} (row 0 at the bottom), or null outside the plot area.
  function cellAt(event) {
    const rows = model.get("rows");
    const cols = model.get("cols");
    if (rows === 0 || cols === 0 || box === null) return null;
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left - box.x;
    const y = event.clientY - rect.top - box.y;
    if (x < 0 || y < 0 || x >= box.w || y >= box.h) return null;
    const col = Math.min(cols - 1, Math.floor((x / box.w) * cols));
    const line = Math.min(rows - 1, Math.floor((y / box.h) * rows));
    return { row: rows - 1 - line, col: col };
  }

  function onClick(event) {
    const cell = cellAt(event);
    if (cell === null) return;
    model.set("clicked", cell);
    model.save_changes();
  }

  function onHover(event) {
    const cell = cellAt(event);
    canvas.title = cell === null ? "" : cellText(cell);
  }

  // What a cell holds, in words: "t=12, neuron 40: spike" (binned: ranges and "any spike").
  function cellText({ row, col }) {
    const tf = model.get("t_factor");
    const nf = model.get("n_factor");
    const t = model.get("t_offset") + col * tf;
    const tLast = Math.min(t + tf - 1, model.get("t_offset") + model.get("n_steps") - 1);
    const n = row * nf;
    const nLast = Math.min(n + nf - 1, model.get("n_neurons") - 1);
    const i = row * model.get("cols") + col;
    const set = bitAt(asBytes(model.get("bits")), i);
    const when = tLast > t ? `t=${t}-${tLast}` : `t=${t}`;
    const who = nLast > n ? `neurons ${n}-${nLast}` : `neuron ${n}`;
    const dense = asBytes(model.get("dense"));
    const most = dense.length ? bitAt(dense, i) : 0;
    const binnedWhat = most ? "spikes in at least half of its cells" : "spikes in fewer than half of its cells";
    const what = tf > 1 || nf > 1 ? (set ? binnedWhat : "no spike") : set ? "spike" : "no spike";
    return `${when}, ${who}: ${what}`;
  }

  // One paint per animation frame however many traits one message changed; decode only new bits.
  let pending = false;
  let stale = true;
  function schedule(decodeToo) {
    stale = stale || decodeToo;
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (stale) decode();
      stale = false;
      paint();
    });
  }
  const data = ["bits", "dense", "rows", "cols", "on_color", "off_color", "t_offset", "n_steps", "n_neurons"];
  const marks = ["highlight", "highlight_color", "selected_row", "title", "width", "height", "rates", "layers",
    "t_factor", "n_factor"];
  const onData = () => schedule(true);
  const onMarks = () => schedule(false);
  for (const name of data) model.on(`change:${name}`, onData);
  for (const name of marks) model.on(`change:${name}`, onMarks);
  canvas.addEventListener("click", onClick);
  canvas.addEventListener("mousemove", onHover);
  // el itself is watched: at render time it is often not in the page yet (no parent to watch), and its width
  // is its box's; only a change of width repaints (a paint changes the height when the height trait does)
  let observedWidth = -1;
  const resize = new ResizeObserver(() => {
    if (el.clientWidth === observedWidth) return;
    observedWidth = el.clientWidth;
    onMarks();
  });
  resize.observe(el);
  decode();
  stale = false;
  paint();
  return () => {
    for (const name of data) model.off(`change:${name}`, onData);
    for (const name of marks) model.off(`change:${name}`, onMarks);
    canvas.removeEventListener("click", onClick);
    canvas.removeEventListener("mousemove", onHover);
    resize.disconnect();
  };
}

export default { render };

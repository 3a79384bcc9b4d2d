// Canvas raster: draws a bit-packed [rows, cols] spike matrix sent by widgets/canvas_raster.py.
//
// Bits are numpy.packbits order (big-endian, row-major, no per-row padding): cell (r, c) is bit
// i = r * cols + c, found at (bytes[i >> 3] >> (7 - (i & 7))) & 1. Row 0 (neuron 0) is drawn at
// the bottom, column 0 (the first time bin) at the left; one canvas pixel per cell, scaled by CSS.

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

// Fill `pixels` (Uint32Array of rows * cols) from the packed `bytes`; row 0 lands on the last line.
export function decodeInto(pixels, bytes, rows, cols, on, off) {
  pixels.fill(off);
  const total = rows * cols;
  const nbytes = Math.min(bytes.length, (total + 7) >> 3);
  for (let k = 0; k < nbytes; k++) {
    const b = bytes[k];
    if (b === 0) continue;
    for (let j = 0; j < 8; j++) {
      if ((b >> (7 - j)) & 1) {
        const i = (k << 3) + j;
        if (i >= total) break;
        const r = (i / cols) | 0;
        const c = i - r * cols;
        pixels[(rows - 1 - r) * cols + c] = on;
      }
    }
  }
  return pixels;
}

function asBytes(value) {
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "snnlab-canvas-raster";
  canvas.style.width = "100%";
  canvas.style.imageRendering = "pixelated";
  canvas.style.border = "1px solid #ccc";
  canvas.style.cursor = "crosshair";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");

  function draw() {
    const rows = model.get("rows");
    const cols = model.get("cols");
    canvas.style.height = `${model.get("height")}px`;
    canvas.width = Math.max(cols, 1);
    canvas.height = Math.max(rows, 1);
    if (rows === 0 || cols === 0) {
      ctx.fillStyle = model.get("off_color");
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const image = ctx.createImageData(cols, rows);
    const pixels = new Uint32Array(image.data.buffer);
    decodeInto(pixels, asBytes(model.get("bits")), rows, cols,
      pixelValue(parseColor(model.get("on_color"))), pixelValue(parseColor(model.get("off_color"))));
    ctx.putImageData(image, 0, 0);
    const hl = model.get("highlight");
    if (hl && hl.length === 2 && hl[1] > hl[0]) {
      ctx.fillStyle = model.get("highlight_color");
      ctx.fillRect(hl[0], 0, hl[1] - hl[0], rows);
    }
  }

  function onClick(event) {
    const rows = model.get("rows");
    const cols = model.get("cols");
    if (rows === 0 || cols === 0) return;
    const box = canvas.getBoundingClientRect();
    const col = Math.min(cols - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * cols)));
    const line = Math.min(rows - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * rows)));
    model.set("clicked", { row: rows - 1 - line, col: col });
    model.save_changes();
  }

  // One redraw per animation frame, however many traits one message changed.
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }

  const names = ["bits", "rows", "cols", "on_color", "off_color", "highlight", "highlight_color", "height"];
  for (const name of names) model.on(`change:${name}`, schedule);
  canvas.addEventListener("click", onClick);
  draw();
  return () => {
    for (const name of names) model.off(`change:${name}`, schedule);
    canvas.removeEventListener("click", onClick);
  };
}

export default { render };

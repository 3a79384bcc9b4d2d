// Event canvas: draws a [rows, cols] image of one byte per cell sent by widgets/event_canvas.py.
//
// Byte v of a cell: 0 = no event (background); otherwise bit 7 says which polarity dominates (1: ON,
// 0: OFF) and bits 0-6 (1..127) the cell's brightness. Row 0 is drawn at the top (image order), one
// canvas pixel per cell, scaled by CSS without smoothing.

function parseColor(css) {
  const c = document.createElement("canvas");
  c.width = c.height = 1;
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  return Array.from(ctx.getImageData(0, 0, 1, 1).data);
}

// Mix the background toward a polarity colour by the cell's brightness; 32-bit little-endian RGBA.
export function decodeInto(pixels, bytes, on, off, background) {
  const n = Math.min(pixels.length, bytes.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = i < n ? bytes[i] : 0;
    const rgb = v === 0 ? background : (v & 128 ? on : off);
    const a = v === 0 ? 0 : (v & 127) / 127;
    const r = Math.round(background[0] + (rgb[0] - background[0]) * a);
    const g = Math.round(background[1] + (rgb[1] - background[1]) * a);
    const b = Math.round(background[2] + (rgb[2] - background[2]) * a);
    pixels[i] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
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
  const box = document.createElement("div");
  box.style.display = "inline-block";
  box.style.margin = "4px";
  const title = document.createElement("div");
  title.className = "snnlab-event-canvas-title";
  title.style.font = "12px sans-serif";
  title.style.color = "#333";
  const canvas = document.createElement("canvas");
  canvas.className = "snnlab-event-canvas";
  canvas.style.imageRendering = "pixelated";
  canvas.style.border = "1px solid #ccc";
  box.appendChild(title);
  box.appendChild(canvas);
  el.appendChild(box);
  const ctx = canvas.getContext("2d");

  function draw() {
    const rows = model.get("rows");
    const cols = model.get("cols");
    const height = model.get("height");
    title.textContent = model.get("title");
    canvas.width = Math.max(cols, 1);
    canvas.height = Math.max(rows, 1);
    canvas.style.height = `${height}px`;
    canvas.style.width = `${Math.round((height * Math.max(cols, 1)) / Math.max(rows, 1))}px`;
    const image = ctx.createImageData(canvas.width, canvas.height);
    const pixels = new Uint32Array(image.data.buffer);
    decodeInto(pixels, rows && cols ? asBytes(model.get("cells")) : new Uint8Array(0),
      parseColor(model.get("on_color")), parseColor(model.get("off_color")), parseColor(model.get("background")));
    ctx.putImageData(image, 0, 0);
    canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }
  const names = ["cells", "rows", "cols", "on_color", "off_color", "background", "height", "title"];
  for (const name of names) model.on(`change:${name}`, schedule);
  draw();
  return () => {
    for (const name of names) model.off(`change:${name}`, schedule);
  };
}

export default { render };

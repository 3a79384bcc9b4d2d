// Event canvas: draws a [rows, cols] image of one byte per cell sent by widgets/event_canvas.py.
//
// Byte v of a cell: 0 = no event (background); otherwise bit 7 says which polarity dominates (1: ON,
// 0: OFF) and bits 0-6 (1..127) the cell's brightness. Row 0 is drawn at the top (image order), one
// canvas pixel per cell, scaled by CSS without smoothing.
//
// Around the image: the axes the kernel chose (x_ticks, y_ticks: [where 0..1 along the image, label];
// x_title, y_title) and, below, the count scale: one bar per polarity from the background through its
// colour, labelled 1 and vmax, and the scale's text (what a shade counts).

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

// The image's size on screen (CSS pixels): `height` tall with square cells, unless that makes it wider than
// MAX_WIDTH (a one-row sensor, such as SHD's 700 audio channels, would be 700 heights wide) or narrower than
// MIN_SIDE: then the width is clamped and the cells are stretched, never below MIN_SIDE on either side.
export const MAX_WIDTH = 640;
export const MIN_SIDE = 40;
export function displaySize(rows, cols, height) {
  const aspect = Math.max(cols, 1) / Math.max(rows, 1);
  let width = height * aspect;
  let tall = height;
  if (width > MAX_WIDTH) {
    width = MAX_WIDTH;
    tall = Math.min(height, Math.max(MAX_WIDTH / aspect, MIN_SIDE));
  }
  return [Math.round(Math.max(width, MIN_SIDE)), Math.round(tall)];
}

function asBytes(value) {
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

const AXIS = "font: 11px sans-serif; color: #444; position: absolute; white-space: nowrap";

function label(text, css) {
  const span = document.createElement("span");
  span.textContent = text;
  span.style.cssText = `${AXIS}; ${css}`;
  return span;
}

function tickMark(css) {
  const mark = document.createElement("span");
  mark.style.cssText = `position: absolute; background: #888; ${css}`;
  return mark;
}

// The axes of the image in `frame` (a box the size of the canvas): tick marks and labels outside its
// left and bottom edges, and the axis titles beyond them; returns the room they take left of the image.
function drawAxes(frame, xTicks, yTicks, xTitle, yTitle) {
  // the y title's middle: beyond the widest y label (11 px digits are under 7 px wide)
  const widest = Math.max(0, ...yTicks.map(([, text]) => String(text).length));
  const titleAt = 6 + Math.ceil(7 * widest) + 10;
  for (const node of [...frame.querySelectorAll(".snnlab-event-axis")]) node.remove();
  const add = (node) => {
    node.classList.add("snnlab-event-axis");
    frame.appendChild(node);
  };
  for (const [where, text] of xTicks) {
    const left = `${(100 * where).toFixed(3)}%`;
    add(tickMark(`left: ${left}; top: 100%; width: 1px; height: 4px`));
    add(label(text, `left: ${left}; top: calc(100% + 5px); transform: translateX(-50%)`));
  }
  for (const [where, text] of yTicks) {
    const top = `${(100 * where).toFixed(3)}%`;
    add(tickMark(`top: ${top}; right: 100%; width: 4px; height: 1px`));
    add(label(text, `top: ${top}; right: calc(100% + 6px); transform: translateY(-50%)`));
  }
  if (xTitle) add(label(xTitle, "left: 50%; top: calc(100% + 20px); transform: translateX(-50%)"));
  if (yTitle) {
    add(label(yTitle, `top: 50%; right: calc(100% + ${titleAt}px); transform: translate(50%, -50%) rotate(-90deg)`));
  }
  return xTicks.length + yTicks.length > 0 ? titleAt + 10 : 0;
}

// One bar of the count scale: the background fading into `color`, from its faintest shade (1) to vmax.
function scaleBar(name, color, background, vmax) {
  const item = document.createElement("span");
  item.style.cssText = "display: inline-flex; align-items: center; gap: 4px; margin-right: 10px";
  const bar = document.createElement("span");
  bar.style.cssText = `display: inline-block; width: 60px; height: 10px; border: 1px solid #ccc;
    background: linear-gradient(to right, color-mix(in srgb, ${color} ${vmax > 1 ? 100 / vmax : 100}%, ${background}), ${color})`;
  const low = document.createElement("span");
  low.textContent = "1";
  const high = document.createElement("span");
  high.textContent = vmax > 1 ? vmax.toLocaleString("en-US") : "";
  item.append(`${name} `, low, bar, high);
  return item;
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "snnlab-event-canvas-box";
  box.style.cssText = "display: inline-block; margin: 4px; vertical-align: top";
  const title = document.createElement("div");
  title.className = "snnlab-event-canvas-title";
  title.style.cssText = "font: 12px sans-serif; color: #333; margin-bottom: 4px";
  const frame = document.createElement("div");
  frame.style.cssText = "position: relative; display: inline-block";
  const canvas = document.createElement("canvas");
  canvas.className = "snnlab-event-canvas";
  canvas.style.imageRendering = "pixelated";
  canvas.style.border = "1px solid #ccc";
  canvas.style.display = "block";
  const scale = document.createElement("div");
  scale.className = "snnlab-event-canvas-scale";
  scale.style.cssText = "font: 11px sans-serif; color: #444; margin-top: 2px; max-width: 100%";
  frame.appendChild(canvas);
  box.append(title, frame, scale);
  el.appendChild(box);
  const ctx = canvas.getContext("2d");

  function draw() {
    const rows = model.get("rows");
    const cols = model.get("cols");
    const height = model.get("height");
    title.textContent = model.get("title");
    canvas.width = Math.max(cols, 1);
    canvas.height = Math.max(rows, 1);
    const [cssWidth, cssHeight] = displaySize(rows, cols, height);
    canvas.style.height = `${cssHeight}px`;
    canvas.style.width = `${cssWidth}px`;
    const image = ctx.createImageData(canvas.width, canvas.height);
    const pixels = new Uint32Array(image.data.buffer);
    const [on, off, background] = ["on_color", "off_color", "background"].map((k) => model.get(k));
    decodeInto(pixels, rows && cols ? asBytes(model.get("cells")) : new Uint8Array(0),
      parseColor(on), parseColor(off), parseColor(background));
    ctx.putImageData(image, 0, 0);
    const xTicks = model.get("x_ticks") || [];
    const yTicks = model.get("y_ticks") || [];
    // room for the tick labels and titles outside the image (none without axes)
    // a y title longer than the image is tall would reach into the rows above it: its first word only
    const yTitle = model.get("y_title") || "";
    const yText = cssHeight >= 6 * yTitle.length ? yTitle : yTitle.split(" ")[0];
    const left = drawAxes(frame, xTicks, yTicks, model.get("x_title"), yText);
    box.style.paddingLeft = `${left}px`;
    frame.style.marginBottom = xTicks.length > 0 ? "36px" : "0";
    const vmax = model.get("vmax");
    scale.replaceChildren();
    if (vmax > 0) {
      if (model.get("on_name")) scale.append(scaleBar(model.get("on_name"), on, background, vmax));
      if (model.get("off_name")) scale.append(scaleBar(model.get("off_name"), off, background, vmax));
    }
    const text = document.createElement("div");
    text.textContent = model.get("scale_text");
    scale.append(text);
    scale.style.width = `${Math.max(cssWidth, 240)}px`;
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
  const names = ["cells", "rows", "cols", "on_color", "off_color", "background", "height", "title", "x_ticks",
    "y_ticks", "x_title", "y_title", "on_name", "off_name", "vmax", "scale_text"];
  for (const name of names) model.on(`change:${name}`, schedule);
  draw();
  return () => {
    for (const name of names) model.off(`change:${name}`, schedule);
  };
}

export default { render };

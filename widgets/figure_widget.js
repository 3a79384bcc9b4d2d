// The front end of widgets.FigureWidget: a small loader in front of plotly's own widget module.
//
// plotly's FigureWidget ships plotly's whole widget bundle (about 5 MB) as every figure's module, and
// anywidget imports each figure's module from a fresh blob: URL, so the bundle is parsed and run once
// per figure. Here the bundle travels once per kernel, as the bytes of one shared model (the
// `_plotly_code` reference, a widgets.figure_widget.PlotlyCode), and is imported once per page: the
// import's promise is kept in a page-global map under the bundle's digest, so every later figure, in
// any notebook of the page, reuses the evaluated module. Parsing and compiling happen off the main thread
// (streamed, with a compile hint); the module's evaluation is one main-thread task per page, kept short by
// evaluating it without Error stack traces (see BEFORE). Each figure then runs plotly's own widget
// (its default export: a factory of {initialize, render}) with the figure's model, unchanged.

const PREFIX = "IPY_MODEL_";
// Chromium's explicit compile hint: compile every function of the bundle while streaming it off the main
// thread, instead of lazily, on the main thread, at first call (halves the evaluation's main-thread time).
const HINT = "//# allFunctionsCalledOnLoad\n";
// Error.stackTraceLimit is taken away while the bundle's top-level code runs, and put back right after it.
// plotly.js's start-up code makes errors on purpose (feature tests that throw and catch: get-intrinsic,
// is-callable, object-assign's polyfill check). Each error records a stack trace, and the frames of that
// trace include the bundle's outermost functions, each several MB of source whose source positions V8 only
// computes on demand, by re-parsing the function on the main thread: four re-parses of about 150 ms made
// the evaluation a 550-750 ms task. With no Error.stackTraceLimit V8 records no trace; the task is 70-110 ms.
// BEFORE and AFTER also time the evaluation (User Timing: the measure "snnlab: evaluate plotly").
const BEFORE = "globalThis.__snnlab_plotly.hideStackTraceLimit();\n";
const AFTER = "\n;globalThis.__snnlab_plotly.restoreStackTraceLimit();\n";
// Page-wide: the imported bundles by digest, and the queue that gives each figure's first drawing its own task.
const PAGE = (globalThis.__snnlab_plotly ??= { modules: new Map(), turn: Promise.resolve() });
const MODULES = PAGE.modules;
PAGE.hideStackTraceLimit ??= () => {
  PAGE.evaluating = performance.now();
  PAGE.stackTraceLimit = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  delete Error.stackTraceLimit;
};
PAGE.restoreStackTraceLimit ??= () => {
  if (PAGE.stackTraceLimit) Object.defineProperty(Error, "stackTraceLimit", PAGE.stackTraceLimit);
  PAGE.stackTraceLimit = undefined;
  if (PAGE.evaluating !== undefined) timed("evaluate plotly", PAGE.evaluating);
  PAGE.evaluating = undefined;
};

// The page's User Timing entries (performance.measure, shown in the browser's performance tools) for the
// main-thread work done here: "snnlab: evaluate plotly", "snnlab: warm-up N", "snnlab: draw <title>".
function timed(what, start) {
  try {
    performance.measure(`snnlab: ${what}`, { start, end: performance.now() });
  } catch {} // a browser without User Timing level 3 draws all the same
}

// Resolves in a task of its own, after the figures queued before: figures waiting on the same import would
// otherwise all draw in one long task (every continuation of one promise runs in the same microtask checkpoint).
function ownTask() {
  PAGE.turn = PAGE.turn.then(() => new Promise((resolve) => setTimeout(resolve, 0)));
  return PAGE.turn;
}

// The shared model that carries the bundle; a reference that is not registered yet is retried briefly.
async function codeModel(model) {
  const ref = model.get("_plotly_code");
  if (typeof ref !== "string" || !ref.startsWith(PREFIX)) {
    throw new Error(`snnlab FigureWidget: _plotly_code must reference a model, got ${JSON.stringify(ref)}`);
  }
  const id = ref.slice(PREFIX.length);
  for (let attempt = 0; ; attempt++) {
    try {
      return await model.widget_manager.get_model(id);
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

// Warm-up figures, drawn once per page, off screen, each in a task of its own, when the first figure is shown
// and before it draws: plotly's first drawings on a page run its code cold (and set up its page-wide styles),
// which made the first figure's drawing one long task. Each warm-up takes the first-time cost of one feature
// the panels use: an empty plot (plotly's page-wide start-up), a line, markers with a fill, a legend and
// titles, a heatmap with its colour bar, bars, two subplots with shapes (a rectangle, a path) and a note;
// then all of them in one figure, with warm code. One figure with every feature drawn cold was a 150-240 ms
// task in JupyterLab on a 2-core machine; no piece here is more than a third of that. Driven through plotly's
// widget code like real figures, with a model that keeps its state in a plain object.
const SMALL = { width: 200, height: 150 };
const RECT = { type: "rect", x0: 0, x1: 1, y0: 0, y1: 1, line: { width: 0 }, fillcolor: "#eee", layer: "below" };
const NOTE = { text: "note", x: 1, y: 1, showarrow: false };
const warmUpFigure = (data, layout) => ({ _widget_data: data, _widget_layout: { ...SMALL, ...layout } });
const ALL = warmUpFigure(
  [
    { type: "scatter", mode: "lines+markers", x: [0, 1, 2], y: [0, 1, 0], name: "line" },
    { type: "scatter", mode: "lines", x: [0, 1, null, 2, 2], y: [0, 0, null, 0, 1], fill: "tozeroy", name: "fill" },
    { type: "heatmap", z: [[0, 1], [1, 0]], xaxis: "x2", yaxis: "y2", colorbar: { title: { text: "c" } } },
    { type: "bar", x: [0, 1], y: [1, 2], xaxis: "x2", yaxis: "y2", name: "bar" },
  ],
  {
    width: 480, height: 280, title: { text: "warm-up" }, showlegend: true,
    xaxis: { domain: [0, 0.45], title: { text: "x" } }, xaxis2: { domain: [0.55, 1] }, yaxis2: { anchor: "x2" },
    shapes: [RECT, { type: "path", path: "M0,0V1M1,0V1", line: { color: "red" } }], annotations: [NOTE],
  },
);
const WARM_UPS = [
  warmUpFigure([], {}),
  warmUpFigure([{ type: "scatter", mode: "lines", x: [0, 1], y: [0, 1] }], {}),
  warmUpFigure(
    [
      { type: "scatter", mode: "lines+markers", x: [0, 1], y: [0, 1], fill: "tozeroy", name: "a" },
      { type: "scatter", mode: "lines", x: [0, 1], y: [1, 0], name: "b" },
    ],
    { title: { text: "t" }, showlegend: true, xaxis: { title: { text: "x" } } },
  ),
  warmUpFigure([{ type: "heatmap", z: [[0, 1], [1, 0]], colorbar: { title: { text: "c" } } }], {}),
  warmUpFigure([{ type: "bar", x: [0, 1], y: [1, 2] }], {}),
  warmUpFigure(
    [
      { type: "scatter", x: [0, 1], y: [0, 1] },
      { type: "scatter", x: [0, 1], y: [0, 1], xaxis: "x2", yaxis: "y2" },
    ],
    {
      xaxis: { domain: [0, 0.45] }, xaxis2: { domain: [0.55, 1] }, yaxis2: { anchor: "x2" },
      shapes: [RECT, { type: "path", path: "M0,0V1M1,0V1", line: { color: "red" } }], annotations: [NOTE],
    },
  ),
  ALL,
];

async function warmUp(module, figure, label) {
  const el = document.createElement("div");
  el.style.cssText = "position: fixed; left: -10000px; top: 0; width: 480px; height: 280px; visibility: hidden";
  document.body.appendChild(el);
  const state = { ...structuredClone(figure), _config: {}, _last_layout_edit_id: 0, _last_trace_edit_id: 0 };
  const model = {
    get: (key) => state[key] ?? null,
    set: (key, value) => void (state[key] = value),
    on() {},
    off() {},
    save_changes() {},
    send() {},
  };
  try {
    const widget = typeof module.default === "function" ? await module.default() : module.default;
    const start = performance.now();
    widget.initialize({ model });
    const remove = widget.render({ model, el });
    timed(label, start);
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (typeof remove === "function") remove();
  } finally {
    el.remove();
  }
}

async function warmUps(module) {
  for (const [k, figure] of WARM_UPS.entries()) {
    await ownTask();
    await warmUp(module, figure, `warm-up ${k + 1}`);
  }
}

// plotly's widget module, imported once per page for each distinct bundle.
async function plotlyModule(model) {
  const code = await codeModel(model);
  const key = code.get("digest");
  if (!MODULES.has(key)) {
    const bytes = code.get("code"); // a DataView over the binary buffer: no 5 MB JSON string
    const url = URL.createObjectURL(new Blob([HINT, BEFORE, bytes, AFTER], { type: "text/javascript" }));
    const loading = import(/* webpackIgnore: true */ url);
    loading
      .finally(() => {
        URL.revokeObjectURL(url);
        PAGE.restoreStackTraceLimit(); // in case the bundle threw before its last line
      })
      .catch(() => MODULES.delete(key));
    MODULES.set(key, loading);
  }
  return MODULES.get(key);
}

// The warm-ups of a module, run once per page, when a figure of that module is first shown. Not when its model
// arrives: the kernel is then still computing the panel and drawing its static preview, and on a busy 2-core
// machine the warm-ups drawn beside that work were often the page's longest tasks (a RasterExplorer of 10^4
// neurons, 5 pages each: 165-332 ms, against 127-201 when first shown; on a quieter machine both measured the
// same; benchmarks/RESULTS.md). When a figure is shown, the kernel has sent its display. The module's evaluation
// stays early: one short task, overlapping the kernel's work.
const WARMED = (PAGE.warmed ??= new WeakMap());
function warmedUp(module) {
  // the warm-up may fail (a plotly version whose widget code wants more of its model): figures draw anyway
  if (!WARMED.has(module)) WARMED.set(module, warmUps(module).catch(() => {}));
  return WARMED.get(module);
}

// A figure that fills the width its box gives it: the layout's width becomes its preferred width (in a
// row of figures, the flex basis: figures sit side by side when their preferred widths fit, and grow in
// proportion to them, never narrower than that unless the box is; in a column, the column's width), and
// plotly autosizes the width (the height stays). The front end's own copy of the layout loses its width,
// in place, as plotly's view reads it when it draws.
function fillWidth(el, model) {
  const layout = model.get("_widget_layout") || {};
  const preferred = Number(layout.width) || 0;
  delete layout.width;
  const config = model.get("_config");
  if (config) config.responsive = true;
  if (preferred > 0) {
    el.style.flex = `${preferred} 1 ${preferred}px`;
    el.style.minWidth = `min(${preferred}px, 100%)`;
  }
  el.style.maxWidth = "100%";
  return preferred;
}

// Asks the kernel for the figure as it is now (FigureWidget._on_frontend_message) and resolves when it has arrived.
function resent(model) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (!message || message.snnlab !== "state resent") return;
      model.off("msg:custom", onMessage);
      resolve();
    };
    model.on("msg:custom", onMessage);
    model.send({ snnlab: "resend state" });
  });
}

// Resolves once `el` is in the page with a width (plotly measures its box when it draws), or after 5 s.
function laidOut(el) {
  return new Promise((resolve) => {
    if (el.isConnected && el.clientWidth > 0) return resolve();
    const observer = new ResizeObserver(() => {
      if (el.clientWidth > 0) done();
    });
    const timer = setTimeout(() => done(), 5000);
    function done() {
      observer.disconnect();
      clearTimeout(timer);
      resolve();
    }
    observer.observe(el);
  });
}

// anywidget gives a model's initialize 2 s from the model's creation; past that it drops every message of the
// model for good (the figure never arrives, no change is ever drawn). The first figures of a page wait here for
// plotly's bundle and the warm-ups, which took longer than that on a loaded 2-core machine, so initialize only
// starts the wait and returns. plotly's own initialize runs when the module is there, a view of the model is
// being rendered and the warm-ups are done; a change that plotly applies as an edit of the model's copy of the
// figure (its `_py2js_*` messages) and that arrived before it ran would be missing from that copy, so the figure
// is then asked for again before the first drawing.
export default () => {
  let ready = null; // resolves to plotly's widget, initialized with this model, once the model's figure is current
  let markShown = () => {}; // called by the first render: the figure is on its way to the screen
  return {
    initialize(context) {
      const { model } = context;
      let missed = false;
      const onChange = (source) => {
        if (Object.keys(source?.changed ?? {}).some((key) => key.startsWith("_py2js_"))) missed = true;
      };
      model.on("change", onChange);
      const shown = new Promise((resolve) => (markShown = resolve));
      ready = (async () => {
        try {
          const module = await plotlyModule(model);
          await shown;
          await warmedUp(module);
          await ownTask();
          const widget = typeof module.default === "function" ? await module.default() : module.default;
          if (widget.initialize) await widget.initialize(context);
          return widget;
        } finally {
          model.off("change", onChange);
        }
      })().then(async (widget) => {
        if (missed) await resent(model);
        return widget;
      });
      ready.catch(() => {}); // a failure is shown by render, which awaits the same promise
    },
    async render(context) {
      markShown();
      const widget = await ready;
      if (!context.model.get("fill_width")) return widget.render(context);
      const { el, model } = context;
      el.dataset.preferredWidth = String(fillWidth(el, model));
      await laidOut(el);
      await ownTask(); // figures laid out together would otherwise draw in one task (one ResizeObserver delivery)
      const parent = el.parentElement;
      if (parent && getComputedStyle(parent).flexDirection.startsWith("column")) {
        el.style.flex = ""; // in a column the basis would be a height: the column's width is the figure's
      }
      const start = performance.now();
      const cleanup = widget.render(context);
      const { title, meta } = model.get("_widget_layout") || {};
      timed(`draw ${(title && title.text) || (meta && meta.snnlab) || "a figure"}`, start);
      let last = el.clientWidth;
      const observer = new ResizeObserver(() => {
        const width = el.clientWidth;
        if (Math.abs(width - last) < 2) return; // only a real change of the width redraws
        last = width;
        if (el._responsiveChartHandler) el._responsiveChartHandler(); // plotly's Plots.resize (config.responsive)
      });
      observer.observe(el);
      return () => {
        observer.disconnect();
        if (typeof cleanup === "function") cleanup();
      };
    },
  };
};

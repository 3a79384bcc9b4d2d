"""plotly's widget bundle with plotly.js's cartesian build in place of the whole of plotly.js.

plotly's widget bundle (``plotly/package_data/widgetbundle.js``, about 5 MB) is plotly's widget code
plus the whole of plotly.js: every trace type, maps, 3-D and WebGL. Its evaluation is one main-thread
task per page, and nearly all of that task is plotly.js's modules initialising. The panels draw only
scatter, heatmap and bar traces, all in plotly.js's *cartesian* build (``plotly-cartesian.min.js``,
1.5 MB, shipped beside this module with its MIT licence, ``plotly-cartesian.LICENSE``), which
initialises in about two thirds of the time in a bare page and a third of it in JupyterLab on a 2-core
machine (``benchmarks/RESULTS.md``).

:func:`cartesian_bundle` puts the cartesian build where the bundle defines plotly.js (one lazily
evaluated CommonJS wrapper, whose body is plotly.js's UMD file); plotly's widget code, which uses only
plotly.js's public functions (``newPlot``, ``restyle``, ``relayout``, ``update``, ``animate``,
``addTraces``, ``deleteTraces``, ``moveTraces``, ``purge``, ``Plots.resize``), is unchanged. It does
this only when the installed plotly's plotly.js is the version of the shipped build and the bundle
has the expected shape; otherwise it returns None and the figures use plotly's bundle as it is.

To follow a new plotly release: ``npm pack plotly.js-cartesian-dist-min@<its plotly.js version>``
(``plotly.offline.get_plotlyjs_version()``), copy ``package/plotly-cartesian.min.js`` and
``package/LICENSE`` (as ``plotly-cartesian.LICENSE``) here, and move the pin in ``.ci/constraints.txt``.

Example:
    >>> bundle = cartesian_bundle(BUNDLE.read_bytes())
    >>> bundle is None or len(bundle) < BUNDLE.stat().st_size // 2
    True
    >>> sorted(CARTESIAN_TRACES)[:3]
    ['bar', 'box', 'contour']
"""

import pathlib
import re

import plotly
import plotly.offline

__all__ = ["BUNDLE", "CARTESIAN", "CARTESIAN_TRACES", "CARTESIAN_VERSION", "cartesian_bundle"]

BUNDLE = pathlib.Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
CARTESIAN = pathlib.Path(__file__).with_name("plotly-cartesian.min.js")
# the trace types of plotly.js's cartesian build (its package's README)
CARTESIAN_TRACES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)
_HEADER = re.compile(rb"\* plotly\.js \(cartesian - minified\) v(\d+\.\d+\.\d+)\n")
# The bundle's plotly.js: `var P=req((exports,module)=>{(function(root,factory){typeof module=="object"&&
# module.exports?module.exports=factory():root.moduleName=factory()})(self-or-exports,()=>{...` (esbuild's
# lazy CommonJS wrapper around plotly.js's UMD file) up to its end, `return window.Plotly=Q,Q})});`.
_START = re.compile(
    rb"var (?P<name>[\w$]+)=(?P<req>[\w$]+)\(\((?P<exports>[\w$]+),(?P<module>[\w$]+)\)=>\{\(function\(([\w$]+),([\w$]+)\)"
    rb'\{typeof (?P=module)=="object"&&(?P=module)\.exports\?(?P=module)\.exports=\6\(\):\5\.moduleName=\6\(\)\}\)'
)
_END = re.compile(rb"return window\.Plotly=([\w$]+),\1\}\)\}\);")


def _version(path: pathlib.Path) -> str | None:
    """The plotly.js version in the header of the cartesian build at ``path`` (None without one)."""
    if not path.exists():
        return None
    with path.open("rb") as file:
        found = _HEADER.search(file.read(400))
    return found.group(1).decode() if found else None


#: the plotly.js version of the shipped cartesian build
CARTESIAN_VERSION: str | None = _version(CARTESIAN)


def cartesian_bundle(bundle: bytes, plotly_js_version: str | None = None) -> bytes | None:
    """plotly's widget bundle ``bundle`` with the shipped cartesian plotly.js in place of its own.

    ``plotly_js_version`` is the version of the plotly.js inside ``bundle`` (default: the installed
    plotly's, ``plotly.offline.get_plotlyjs_version()``). Returns None, changing nothing, when it is not
    the shipped build's version (:data:`CARTESIAN_VERSION`) or when ``bundle`` does not define plotly.js in
    exactly one wrapper of the expected shape.

    Shape:
        not applicable (bytes of JavaScript).

    Example:
        >>> cartesian_bundle(b"export default 1;") is None
        True
    """
    if not isinstance(bundle, bytes):
        raise TypeError(f"cartesian_bundle: bundle must be bytes, got {type(bundle).__name__}")
    version = plotly.offline.get_plotlyjs_version() if plotly_js_version is None else plotly_js_version
    if CARTESIAN_VERSION is None or version != CARTESIAN_VERSION:
        return None
    starts = list(_START.finditer(bundle))
    ends = list(_END.finditer(bundle))
    if len(starts) != 1 or len(ends) != 1 or ends[0].start() < starts[0].end():
        return None
    start, end = starts[0], ends[0]
    # the same lazy wrapper, now around the cartesian build's UMD file, which takes the CommonJS branch
    wrapper = b"var %s=%s((%s,%s)=>{var module=%s;\n" % (
        start["name"],
        start["req"],
        start["exports"],
        start["module"],
        start["module"],
    )
    return bundle[: start.start()] + wrapper + CARTESIAN.read_bytes() + b"\n});" + bundle[end.end() :]

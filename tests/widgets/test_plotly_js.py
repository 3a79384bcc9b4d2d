"""plotly's widget bundle with plotly.js's cartesian build in place of the whole plotly.js."""

import plotly.offline
import pytest

from widgets._plotly_js import BUNDLE, CARTESIAN, CARTESIAN_TRACES, CARTESIAN_VERSION, cartesian_bundle

# the shape of plotly's bundle around plotly.js: helpers, the lazy CommonJS wrapper of plotly.js's UMD file,
# then plotly's widget code calling it
HEAD = b"var fbe=(Q,ne)=>()=>(ne||Q((ne={exports:{}}).exports,ne),ne.exports);"
WRAPPER = (
    b'var LQ=fbe((DQ,hA)=>{(function(Q,ne){typeof hA=="object"&&hA.exports?hA.exports=ne():Q.moduleName=ne()})'
    b'(typeof self<"u"?self:DQ,()=>{"use strict";var Q={version:"x"};return window.Plotly=Q,Q})});'
)
TAIL = b'var Md=dbe(LQ());window.PlotlyConfig={MathJaxConfig:"local"};export default 1;'


def test_the_shipped_build_is_plotly_js_cartesian_with_its_licence():
    head = CARTESIAN.read_bytes()[:300]
    assert b"plotly.js (cartesian - minified) v" in head and CARTESIAN_VERSION is not None
    licence = CARTESIAN.with_name("plotly-cartesian.LICENSE").read_text()
    assert licence.startswith("MIT License") and "Plotly" in licence
    assert {"scatter", "heatmap", "bar"} <= CARTESIAN_TRACES and "scatter3d" not in CARTESIAN_TRACES


def test_the_wrapper_of_plotly_js_gets_the_cartesian_build_and_nothing_else_changes():
    composed = cartesian_bundle(HEAD + WRAPPER + TAIL, CARTESIAN_VERSION)
    expected = HEAD + b"var LQ=fbe((DQ,hA)=>{var module=hA;\n" + CARTESIAN.read_bytes() + b"\n});" + TAIL
    assert composed == expected


@pytest.mark.parametrize(
    "bundle",
    [HEAD + TAIL, HEAD + WRAPPER + WRAPPER + TAIL, HEAD + WRAPPER.replace(b"window.Plotly", b"self.Plotly") + TAIL],
    ids=["no wrapper", "two wrappers", "another end"],
)
def test_a_bundle_of_another_shape_is_left_as_it_is(bundle):
    assert cartesian_bundle(bundle, CARTESIAN_VERSION) is None


def test_another_plotly_js_version_is_left_as_it_is():
    assert cartesian_bundle(HEAD + WRAPPER + TAIL, "0.0.1") is None


def test_the_bundle_must_be_bytes():
    with pytest.raises(TypeError, match="cartesian_bundle: bundle must be bytes, got str"):
        cartesian_bundle("var x;")  # pyright: ignore[reportArgumentType]


@pytest.mark.skipif(plotly.offline.get_plotlyjs_version() != CARTESIAN_VERSION, reason="another plotly.js installed")
def test_the_installed_bundle_takes_the_cartesian_build():
    bundle = BUNDLE.read_bytes()
    composed = cartesian_bundle(bundle)
    assert composed is not None and len(composed) < len(bundle) / 2
    assert composed.count(CARTESIAN.read_bytes()) == 1
    # plotly's widget code after plotly.js is unchanged
    tail = bundle[bundle.index(b"return window.Plotly=") :].split(b"})});", 1)[1]
    assert composed.endswith(tail) and b"window.PlotlyConfig" in tail and len(tail) > 50_000

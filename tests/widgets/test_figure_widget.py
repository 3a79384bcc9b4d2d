"""FigureWidget: plotly's code travels once (one shared model); everything else is go.FigureWidget's."""

import hashlib
import re

import ipywidgets as W
import plotly.graph_objects as go
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from widgets import figure_widget
from widgets._plotly_js import cartesian_bundle
from widgets.figure_widget import BUNDLE, LOADER, FigureWidget, PlotlyCode, plotly_code


def recorded(fig):
    """Record the state messages ``fig`` sends to the browser, trace uids (random) replaced by their order."""
    sent = []
    fig._send = lambda msg, buffers=None: sent.append(re.sub(r"'uid': '[0-9a-f-]+'", "'uid': UID", repr(msg)))
    return sent


def test_the_figure_module_is_the_small_loader_and_the_bundle_is_one_shared_model():
    a, b = FigureWidget(), FigureWidget(go.Figure(go.Bar(y=[1, 2])))
    assert str(a._esm) == LOADER and len(LOADER) < 16_000
    assert "Plotly.newPlot" not in str(a._esm) and len(str(go.FigureWidget()._esm)) > 4_000_000  # what it replaces
    assert a._plotly_code is b._plotly_code is plotly_code("cartesian")
    code = cartesian_bundle(BUNDLE.read_bytes()) or BUNDLE.read_bytes()  # the whole bundle for another plotly.js
    assert a._plotly_code.code == code and a.plotly_build == ("full" if code == BUNDLE.read_bytes() else "cartesian")
    assert a._plotly_code.digest == hashlib.sha256(code).hexdigest()[:16]
    assert plotly_code("full").code == BUNDLE.read_bytes() and plotly_code("full").build == "full"


def test_a_figure_references_the_bundle_model_and_the_bundle_travels_as_one_binary_buffer():
    fig = FigureWidget()
    state = fig.get_state()
    assert state["_plotly_code"] == f"IPY_MODEL_{fig._plotly_code.model_id}"
    # the largest value is the loader (_esm, about 12 KB): the bundle is in no figure's state
    assert max(len(str(value)) for key, value in state.items() if key != "_widget_data") < 16_000
    _, paths, buffers = _remove_buffers(fig._plotly_code.get_state())
    assert paths == [["code"]] and len(buffers[0]) == len(fig._plotly_code.code) > 1_000_000
    assert (fig._plotly_code._model_name, fig._plotly_code._model_module) == ("WidgetModel", "@jupyter-widgets/base")


def test_a_closed_bundle_model_is_made_again():
    first = plotly_code("cartesian")
    first.close()
    second = plotly_code("cartesian")
    assert second is not first and second.comm is not None and FigureWidget()._plotly_code is second


def test_figures_of_cartesian_traces_load_the_cartesian_build_and_others_the_whole_plotly_js():
    auto = FigureWidget
    cartesian = [
        auto(),
        auto(go.Heatmap(z=[[1]])),
        auto([{"y": [1]}, go.Bar(y=[1])]),
        auto({"data": [{"type": "box"}]}),
    ]
    assert {fig._plotly_code for fig in cartesian} == {plotly_code("cartesian")}
    whole = [
        auto(go.Scatter3d(z=[1])),
        auto(go.Figure([go.Bar(y=[1]), go.Surface(z=[[1]])])),
        auto([{"type": "sankey"}]),
    ]
    whole.append(FigureWidget(go.Bar(y=[1]), plotly_build="full"))
    assert {fig._plotly_code for fig in whole} == {plotly_code("full")}
    assert {fig.plotly_build for fig in whole} == {"full"}


def test_a_figure_on_the_cartesian_build_refuses_other_trace_types_before_changing_anything():
    with pytest.raises(
        ValueError, match=r"FigureWidget: plotly_build='cartesian' cannot draw trace type\(s\) \['surface'\]"
    ):
        FigureWidget(go.Surface(z=[[1]]), plotly_build="cartesian")
    with pytest.raises(ValueError, match="FigureWidget: plotly_build must be 'auto', 'cartesian' or 'full', got 'gl'"):
        FigureWidget(plotly_build="gl")
    fig = FigureWidget(go.Scatter(y=[1]), plotly_build="cartesian")
    if fig.plotly_build != "cartesian":
        pytest.skip("the installed plotly's bundle does not take the cartesian build")
    sent = recorded(fig)
    with pytest.raises(ValueError, match=r"cannot draw trace type\(s\) \['scatter3d'\]; make the figure with"):
        fig.add_traces([go.Bar(y=[1]), go.Scatter3d(z=[1])])
    with pytest.raises(ValueError, match=r"\['sankey'\]"):
        fig.add_trace({"type": "sankey"})
    assert sent == [] and [trace.type for trace in fig.data] == ["scatter"]
    fig.add_bar(y=[2])
    assert [trace.type for trace in fig.data] == ["scatter", "bar"] and any("_py2js_addTraces" in m for m in sent)


def test_without_a_cartesian_build_every_figure_loads_the_whole_plotly_js(monkeypatch):
    monkeypatch.setattr(figure_widget, "_shared", {})
    monkeypatch.setattr(figure_widget, "cartesian_bundle", lambda bundle: None)  # as for another plotly.js
    fig = FigureWidget(go.Scatter(y=[1]))
    assert fig._plotly_code is plotly_code("full") is plotly_code("cartesian") and fig.plotly_build == "full"
    fig.add_scatter3d(z=[1])  # nothing to refuse on the whole plotly.js
    assert [trace.type for trace in fig.data] == ["scatter", "scatter3d"]
    with pytest.raises(ValueError, match="plotly_code: build must be one of \\('cartesian', 'full'\\), got 'gl'"):
        plotly_code("gl")


def test_updates_send_the_same_messages_as_plotlys_figurewidget():
    def exercise(fig):
        sent = recorded(fig)
        with fig.batch_update():
            fig.data[0].y = [3, 1, 2]
            fig.layout.title.text = "after"
        fig.layout.xaxis.range = [0, 5]
        fig.add_scatter(y=[0, 1])
        return sent

    skeleton = go.Figure(go.Scatter(y=[1, 2, 3]))
    ours, plotlys = exercise(FigureWidget(skeleton)), exercise(go.FigureWidget(skeleton))
    assert len(ours) >= 3 and ours == plotlys


def test_clicks_and_relayouts_from_the_browser_reach_python_as_in_plotly():
    fig = FigureWidget(go.Figure(go.Scatter(x=[0, 1, 2], y=[5, 6, 7])))
    clicked = []
    trace = fig.data[0]
    assert isinstance(trace, go.Scatter)
    trace.on_click(lambda trace, points, state: clicked.append(points.point_inds))
    fig._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {"trace_indexes": [0], "point_indexes": [2], "xs": [2], "ys": [7]},
        "device_state": {},
        "selector": None,
    }
    fig._js2py_relayout = {"relayout_data": {"xaxis.range": [0, 1]}, "source_view_id": "v"}
    assert clicked == [[2]]
    assert fig.layout.xaxis.range == (0, 1)


def test_the_shared_model_is_a_plain_widget_with_a_short_repr():
    assert isinstance(plotly_code(), W.Widget) and not isinstance(plotly_code(), W.DOMWidget)
    assert (
        repr(plotly_code())
        == f"PlotlyCode(build='full', digest={plotly_code().digest!r}, bytes={BUNDLE.stat().st_size})"
    )
    with pytest.raises(Exception, match="code"):
        PlotlyCode(code="not bytes")


def test_figures_fill_the_width_by_default_and_can_keep_plotlys_fixed_width():
    assert FigureWidget().fill_width is True and FigureWidget().get_state()["fill_width"] is True
    assert FigureWidget(fill_width=False).get_state()["fill_width"] is False
    assert "fill_width" not in go.FigureWidget().get_state()
    with pytest.raises(TypeError, match="fill_width must be a bool, got 'yes'"):
        FigureWidget(fill_width="yes")  # pyright: ignore[reportArgumentType]


def test_a_panel_gives_each_box_of_figures_a_flex_basis_from_its_widest_figure():
    from widgets import Panel

    narrow, wide = FigureWidget(layout={"width": 310}), FigureWidget(layout={"width": 520})
    column, lone = W.VBox([narrow, W.VBox([wide])]), FigureWidget(layout={"width": 400})
    empty = W.VBox([W.HTML("no figure")])
    panel = Panel(device="cpu")
    panel.set_figures([column, lone, empty])
    assert panel.figures_box.children == (column, lone, empty)
    assert (column.layout.flex, column.layout.min_width) == ("520 1 520px", "min(520px, 100%)")
    assert empty.layout.flex is None and lone.layout.width == 400  # a figure sizes itself in the browser


def test_a_view_that_asks_gets_the_whole_current_figure_sent_again():
    fig = FigureWidget(go.Figure(go.Scatter(y=[1, 2, 3])))
    with fig.batch_update():  # changes after the model opened travel as restyle/relayout messages only
        fig.data[0].y = [3, 1, 2]
        fig.layout.title.text = "now"
    sent = []
    fig._send = lambda msg, buffers=None: sent.append(msg)
    fig._handle_custom_msg({"snnlab": "something else"}, [])
    assert sent == []
    fig._handle_custom_msg({"snnlab": "resend state"}, [])
    # the last update holds the whole figure as it is now (the ones before it: the traits that changed)
    *_, update, answer = sent
    assert update["method"] == "update" and answer == {"method": "custom", "content": {"snnlab": "state resent"}}
    state = update["state"]
    assert set(state) == {"_widget_data", "_widget_layout", "_config", "_last_layout_edit_id",
                          "_last_trace_edit_id", "fill_width"}  # fmt: skip
    assert list(state["_widget_data"][0]["y"]) == [3, 1, 2] and state["_widget_layout"]["title"]["text"] == "now"

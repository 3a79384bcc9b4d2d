"""Test helper: count the messages plotly figures send to the browser."""


def count_messages(*figures):
    """Wrap the FigureWidget senders so that a test can count the messages each figure sends."""
    calls = []
    for index, fig in enumerate(figures):
        for name in ("_send_update_msg", "_send_restyle_msg", "_send_relayout_msg", "_send_addTraces_msg"):
            original = getattr(fig, name)
            setattr(
                fig,
                name,
                lambda *a, _original=original, _call=(index, name), **k: (calls.append(_call), _original(*a, **k)),
            )
    return calls

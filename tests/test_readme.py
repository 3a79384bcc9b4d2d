"""The README's Python example runs as written."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    net, x_seq = namespace["net"], namespace["x_seq"]
    assert all(p.grad is not None for p in net.parameters())
    assert x_seq.shape == (8, 4, 64)
    assert all(float(m.v) == 0.0 for m in net if hasattr(m, "v"))  # reset_net restored the membranes

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


def test_readme_gpu_example_runs_after_the_first():
    import pytest
    import torch

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    gpu = compile(blocks[1], "README.md", "exec")  # at least valid Python everywhere
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    pytest.importorskip("triton")
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    exec(gpu, namespace)
    net, x_seq = namespace["net"], namespace["x_seq"].cuda()
    assert [m.backend for m in net if hasattr(m, "backend")] == ["triton", "triton"]
    assert net(x_seq).shape == (8, 4, 10)

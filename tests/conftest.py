"""Fixtures shared by every test module (the repository-root conftest.py sets up the environment).

- ``device``: each test that takes it runs on the CPU and, where one is present, on CUDA.
- ``triton_device``: the devices Triton kernels accept here: 'cpu' under the interpreter (set where no GPU
  is), 'cuda' where one is. A module of Triton tests overrides ``device`` with it.
- ``one_thread``: one intra-op thread for tests of tiny tensors (faster, and fair to other processes).
"""

import pytest
import torch

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"))]


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    """The device a test runs on: 'cpu', then 'cuda' where a GPU is present."""
    return request.param


@pytest.fixture(params=["cpu", "cuda"])
def triton_device(request) -> str:
    """A device the Triton kernels run on here: 'cpu' under the interpreter, 'cuda' where a GPU is present."""
    from snnlab.backends.triton_kernels import interpreting

    if request.param == "cpu" and not interpreting():
        pytest.skip("CPU tensors need TRITON_INTERPRET=1")
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    return request.param


@pytest.fixture
def one_thread():
    """Run the test with one intra-op thread, then restore the previous count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

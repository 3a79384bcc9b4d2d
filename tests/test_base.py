"""Step modes and registered memories (snnlab.base)."""

import pytest
import torch

from snnlab import base
from snnlab.errors import InvalidParameterError, UnknownOptionError


class Acc(base.MemoryModule):
    def __init__(self):
        super().__init__()
        self.register_memory("total", 0.0)
        self.register_memory("history", [])
        self.register_memory("buf", torch.zeros(3))
        self.lin = torch.nn.Linear(3, 3)

    def single_step_forward(self, x):
        self.total = self.total + x
        self.history.append(1)
        return self.total


def test_register_memory_errors():
    m = Acc()
    with pytest.raises(InvalidParameterError, match="Acc: total has been set as a member variable!"):
        m.register_memory("total", 1.0)
    with pytest.raises(AssertionError, match="lin has been set as a member variable"):
        m.register_memory("lin", 1.0)
    with pytest.raises(ValueError, match="Acc: name must be a valid identifier, got 'a b'"):
        m.register_memory("a b", 0.0)
    with pytest.raises(KeyError, match="'nope' is not a registered memory"):
        m.set_reset_value("nope", 0.0)


def test_reset_restores_deep_copies():
    m = Acc()
    m(torch.ones(3))
    assert m.history == [1] and isinstance(m.total, torch.Tensor)
    m.reset()
    assert m.total == 0.0 and type(m.total) is float and m.history == []
    m.buf.add_(5.0)  # in place on the restored copy
    m.reset()
    assert m.buf.tolist() == [0.0, 0.0, 0.0]
    m.set_reset_value("total", torch.ones(2))
    m.reset()
    first = m.total
    m.reset()
    assert torch.equal(first, m.total) and first is not m.total


def test_detach_in_place_including_a_view():
    m = Acc()
    x = torch.ones(3, requires_grad=True)
    m.total = x * 2
    base_tensor = (x * 3).view(3, 1)
    m.buf = base_tensor.view(3)  # a view memory cannot be detached in place
    old_total = m.total
    m.detach()
    assert m.total is old_total and not m.total.requires_grad
    assert not m.buf.requires_grad and m.buf.tolist() == [3.0, 3.0, 3.0]
    assert base_tensor.requires_grad  # the base was left alone


def test_to_moves_memories_and_reset_values(device):
    m = Acc()
    m.buf = torch.ones(3)
    m.double().to(device)
    assert m.buf.dtype == torch.float64 and m.buf.device.type == device
    assert m.lin.weight.dtype == torch.float64
    m.reset()
    assert m.buf.dtype == torch.float64 and m.buf.device.type == device
    assert m.total == 0.0 and type(m.total) is float


def test_state_dict_excludes_memories_and_dir_lists_them():
    m = Acc()
    m(torch.ones(3))
    assert set(m.state_dict()) == {"lin.weight", "lin.bias"}
    assert {"total", "history", "buf"} <= set(dir(m))
    assert dict(m.named_memories()).keys() == {"total", "history", "buf"}
    assert len(list(m.memories())) == 3
    del m.total
    assert "total" not in dict(m.named_memories())
    m.reset()
    assert not hasattr(m, "total")


def test_step_mode_validation_and_dispatch():
    m = Acc()
    assert m.step_mode == "s" and m.supported_step_mode() == ("s", "m")
    with pytest.raises(ValueError, match=r'step_mode can only be \(\'s\', \'m\'\), but got "x"!'):
        m.step_mode = "x"
    assert m.step_mode == "s"
    m.step_mode = "m"
    out = m(torch.ones(4, 3))
    assert out.shape == (4, 3) and out[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="at least one time step"):
        m(torch.zeros(0, 3))


def test_single_and_multi_step_modules():
    class S(base.SingleModule):
        pass

    class M(base.MultiStepModule):
        pass

    s, mm = S(), M()
    s.step_mode = "s"
    mm.step_mode = "m"
    with pytest.raises(ValueError, match=r"step_mode can only be \('s',\)"):
        s.step_mode = "m"
    with pytest.raises(ValueError, match=r"step_mode can only be \('m',\)"):
        mm.step_mode = "s"
    assert base.SingleStepModule is base.SingleModule
    with pytest.raises(AttributeError):
        S().step_mode  # never set


def test_backend_setter():
    m = Acc()
    assert m.backend == "torch" and m.supported_backends == ("torch",)
    with pytest.raises(UnknownOptionError, match=r"Acc: backend must be one of \('torch',\) in step_mode='s'"):
        m.backend = "cupy"
    with pytest.raises(NotImplementedError):
        m.backend = "cupy"
    assert m.backend == "torch"
    assert m.extra_repr() == "step_mode=s, backend=torch"


def test_undefined_single_step_forward():
    with pytest.raises(NotImplementedError, match="MemoryModule does not define single_step_forward"):
        base.MemoryModule()(torch.ones(1))


def test_check_backend_library_follows_spikingjelly():
    import importlib.util

    from snnlab.base import check_backend_library
    from snnlab.errors import UnknownOptionError
    from tests.sj014 import sj

    assert check_backend_library("torch") is None
    assert sj("base").check_backend_library("torch") is None
    with pytest.raises(NotImplementedError):  # both raise it for an unknown name (ours is also a ValueError)
        sj("base").check_backend_library("tpu")
    with pytest.raises(UnknownOptionError, match="check_backend_library: backend must be one of 'torch', 'triton'"):
        check_backend_library("tpu")
    if importlib.util.find_spec("cupy") is None:
        with pytest.raises(ImportError, match="CuPy is not installed"):
            check_backend_library("cupy")
    if importlib.util.find_spec("triton") is not None:
        check_backend_library("triton")

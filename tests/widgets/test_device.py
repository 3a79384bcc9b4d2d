"""widgets._device: device names, validation, timing and compact transfer of spikes."""

import importlib.util

import pytest
import torch

from widgets._device import (
    Stopwatch,
    available_devices,
    default_device,
    fused_backend,
    resolve_device,
    spikes_to_host,
    tensor_to_host,
)


def test_available_and_default_devices_follow_cuda_presence():
    expected = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    assert available_devices() == expected
    assert default_device() == expected[-1]


def test_panels_build_fused_neurons_on_a_gpu_with_triton():
    assert fused_backend("cpu") == fused_backend(torch.device("cpu")) == "torch"
    if torch.cuda.is_available():
        expected = "triton" if importlib.util.find_spec("triton") is not None else "torch"
        assert fused_backend("cuda") == expected


def test_resolve_device_accepts_names_indices_and_devices():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize(
    "value, error, match",
    [
        ("gpu", ValueError, r"device must be one of 'cpu'.* on this machine, got 'gpu'"),
        (None, TypeError, r"device must be a str or torch.device, got an object of type NoneType"),
    ],
)
def test_resolve_device_rejects_what_cannot_run_here(value, error, match):
    with pytest.raises(error, match=match):
        resolve_device(value)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bool, torch.int64])
@pytest.mark.parametrize("shape", [(), (0,), (7,), (5, 3, 9), (100, 17)])
def test_packed_transfer_returns_the_same_spikes_dtype_and_shape(device, dtype, shape):
    g = torch.Generator().manual_seed(0)
    spikes = (torch.rand(shape, generator=g) < 0.3).to(dtype).to(device)
    host = spikes_to_host(spikes, pack=True)
    assert host.device.type == "cpu" and host.dtype == dtype and host.shape == spikes.shape
    torch.testing.assert_close(host, spikes.cpu(), rtol=0, atol=0)


def test_default_packing_only_off_the_cpu_and_results_are_detached():
    spikes = torch.tensor([0.0, 1.0, 0.0], requires_grad=True)
    host = spikes_to_host(spikes)
    assert not host.requires_grad and host.data_ptr() == spikes.data_ptr()  # no copy on the CPU
    torch.testing.assert_close(spikes_to_host(torch.tensor([0.0, 2.0]), pack=True), torch.tensor([0.0, 1.0]))
    x = torch.ones(3, requires_grad=True) * 2
    assert not tensor_to_host(x).requires_grad and tensor_to_host(x).tolist() == [2.0, 2.0, 2.0]


def test_spikes_to_host_rejects_non_tensors():
    with pytest.raises(TypeError, match=r"spikes_to_host: spikes must be a torch.Tensor, got an object of type list"):
        spikes_to_host([0, 1])


def test_stopwatch_measures_a_block(device):
    watch = Stopwatch(torch.device(device))
    with watch:
        torch.ones(1000, device=device).cumsum(0)
    assert watch.elapsed_ms > 0.0

"""snnlab.layer.stateless: torch layers with a step mode; 'm' equals the per-step loop."""

import pytest
import torch
import torch.nn as nn

from snnlab import layer
from tests.sj014 import run_both, sj

# (factory, per-step input shape [N, ...])
CASES = {
    "Linear": (lambda m: layer.Linear(4, 3, step_mode=m), (2, 4)),
    "Flatten": (lambda m: layer.Flatten(step_mode=m), (2, 3, 2, 2)),
    "Conv1d": (lambda m: layer.Conv1d(2, 3, 3, padding=1, step_mode=m), (2, 2, 7)),
    "Conv2d": (lambda m: layer.Conv2d(2, 3, 3, stride=2, step_mode=m), (2, 2, 7, 6)),
    "Conv3d": (lambda m: layer.Conv3d(2, 3, 2, step_mode=m), (2, 2, 3, 4, 4)),
    "BatchNorm1d-3": (lambda m: layer.BatchNorm1d(3, step_mode=m), (4, 3)),
    "BatchNorm1d-4": (lambda m: layer.BatchNorm1d(3, step_mode=m), (4, 3, 5)),
    "BatchNorm2d": (lambda m: layer.BatchNorm2d(3, step_mode=m), (4, 3, 2, 2)),
    "BatchNorm3d": (lambda m: layer.BatchNorm3d(3, step_mode=m), (4, 3, 2, 2, 2)),
    "MaxPool1d": (lambda m: layer.MaxPool1d(2, step_mode=m), (2, 3, 6)),
    "MaxPool2d": (lambda m: layer.MaxPool2d(2, step_mode=m), (2, 3, 6, 4)),
    "MaxPool3d": (lambda m: layer.MaxPool3d(2, step_mode=m), (2, 3, 2, 4, 4)),
    "AvgPool1d": (lambda m: layer.AvgPool1d(3, stride=1, step_mode=m), (2, 3, 6)),
    "AvgPool2d": (lambda m: layer.AvgPool2d(2, step_mode=m), (2, 3, 6, 4)),
    "AvgPool3d": (lambda m: layer.AvgPool3d(2, step_mode=m), (2, 3, 2, 4, 4)),
    "AdaptiveAvgPool1d": (lambda m: layer.AdaptiveAvgPool1d(2, step_mode=m), (2, 3, 6)),
    "AdaptiveAvgPool2d": (lambda m: layer.AdaptiveAvgPool2d((1, 2), step_mode=m), (2, 3, 6, 4)),
    "AdaptiveAvgPool3d": (lambda m: layer.AdaptiveAvgPool3d(1, step_mode=m), (2, 3, 2, 4, 4)),
}


def _pair(name, device):
    factory, shape = CASES[name]
    torch.manual_seed(0)
    single = factory("s").to(device=device, dtype=torch.float64)
    multi = factory("m").to(device=device, dtype=torch.float64)
    multi.load_state_dict(single.state_dict())
    single.eval(), multi.eval()
    return single, multi, shape


@pytest.mark.parametrize("name", sorted(CASES))
def test_multi_step_equals_loop_over_time(name, device):
    single, multi, shape = _pair(name, device)
    x_seq = torch.randn((5,) + shape, dtype=torch.float64, device=device)
    expected = torch.stack([single(x_seq[t]) for t in range(5)])
    torch.testing.assert_close(multi(x_seq), expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_single_step_is_the_torch_layer(name):
    single, _, shape = _pair(name, "cpu")
    torch_cls = next(c for c in type(single).__mro__ if c.__module__.startswith("torch.nn"))
    x = torch.randn(shape, dtype=torch.float64)
    torch.testing.assert_close(single(x), torch_cls.forward(single, x))
    assert isinstance(single, torch_cls) and single.step_mode == "s"


def test_batch_norm_multi_step_training_uses_statistics_over_t_times_n():
    torch.manual_seed(1)
    bn, ref = layer.BatchNorm2d(3, step_mode="m"), nn.BatchNorm2d(3)
    x_seq = torch.randn(4, 2, 3, 5, 5) * 3 + 1
    torch.testing.assert_close(bn(x_seq), ref(x_seq.flatten(0, 1)).unflatten(0, (4, 2)))
    torch.testing.assert_close(bn.running_mean, ref.running_mean)
    torch.testing.assert_close(bn.running_var, ref.running_var)


def test_gradients_reach_the_weights_in_multi_step_mode():
    torch.manual_seed(2)
    conv = layer.Conv2d(1, 2, 3, step_mode="m", dtype=torch.float64)
    x_seq = torch.randn(3, 2, 1, 5, 5, dtype=torch.float64)
    conv(x_seq).square().sum().backward()
    ref = nn.Conv2d(1, 2, 3, dtype=torch.float64)
    ref.load_state_dict(conv.state_dict())
    sum(ref(x_seq[t]).square().sum() for t in range(3)).backward()
    torch.testing.assert_close(conv.weight.grad, ref.weight.grad)
    torch.testing.assert_close(conv.bias.grad, ref.bias.grad)


@pytest.mark.parametrize(
    "module, shape, text",
    [
        (layer.Conv1d(1, 1, 1, step_mode="m"), (2, 1, 4), r"\[T, N, C, L\]"),
        (layer.Conv2d(1, 1, 1, step_mode="m"), (2, 3, 5, 5), r"\[T, N, C, H, W\]"),
        (layer.Conv3d(1, 1, 1, step_mode="m"), (2, 1, 1, 2, 2), r"\[T, N, C, D, H, W\]"),
        (layer.BatchNorm1d(1, step_mode="m"), (2, 1), r"\[T, N, C, L\] or \[T, N, C\]"),
        (layer.BatchNorm2d(1, step_mode="m"), (2, 1, 2, 2), r"\[T, N, C, H, W\]"),
        (layer.BatchNorm3d(1, step_mode="m"), (2, 1, 1, 2, 2), r"\[T, N, C, D, H, W\]"),
        (layer.MaxPool2d(2, step_mode="m"), (1, 4, 4), r"\[T, N, C, H, W\]"),
        (layer.AvgPool2d(2, step_mode="m"), (2, 1, 1, 1, 4, 4), r"\[T, N, C, H, W\]"),
    ],
)
def test_multi_step_rank_errors_use_spikingjelly_text(module, shape, text):
    got = str(torch.Size(shape)).replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")
    with pytest.raises(
        ValueError,
        match=rf"{type(module).__name__}: expected x with shape {text}, "
        rf"but got x with shape {got}!",
    ):
        module(torch.zeros(shape))


def test_conv_in_multi_step_rejects_a_single_step_input_spikingjelly_example():
    with pytest.raises(
        ValueError,
        match=r"expected x with shape \[T, N, C, H, W\], but got x with shape "
        r"torch.Size\(\[2, 3, 5, 5\]\)!",
    ):
        layer.Conv2d(3, 4, 3, step_mode="m")(torch.zeros(2, 3, 5, 5))


def test_max_pool_with_indices_works_in_single_step_and_is_refused_in_multi_step():
    pool = layer.MaxPool2d(2, return_indices=True)
    out, idx = pool(torch.arange(16.0).view(1, 1, 4, 4))
    assert out.flatten().tolist() == [5.0, 7.0, 13.0, 15.0] and idx.shape == out.shape
    pool.step_mode = "m"
    with pytest.raises(ValueError, match="MaxPool2d: return_indices must be False in step_mode='m', got True"):
        pool(torch.zeros(2, 1, 1, 4, 4))


def test_constructors_keep_spikingjelly_argument_order():
    pool = layer.MaxPool2d(3, 1, 1, 1, False, True, "m")
    assert (pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, pool.step_mode) == (3, 1, 1, True, "m")
    avg = layer.AvgPool2d(2, None, 0, False, True, None, "m")
    assert avg.step_mode == "m" and avg.stride == 2
    conv = layer.Conv2d(1, 2, 3, 1, 0, 1, 1, False, "zeros", "m")
    assert conv.bias is None and conv.step_mode == "m"
    assert layer.Linear(2, 3, False, "m").step_mode == "m"
    assert layer.BatchNorm2d(4, 1e-3, 0.2, True, True, "m").step_mode == "m"
    assert layer.Flatten(2, -1, "m").start_dim == 2


def test_invalid_step_mode_is_refused_with_spikingjelly_message():
    with pytest.raises(ValueError, match=r"""step_mode can only be \('s', 'm'\), but got "x"!"""):
        layer.Conv2d(1, 1, 1, step_mode="x")
    lin = layer.Linear(1, 1)
    with pytest.raises(ValueError, match="step_mode can only be"):
        lin.step_mode = "M"
    assert lin.step_mode == "s"


def test_repr_and_state_dict_match_torch():
    conv = layer.Conv2d(1, 4, 3, step_mode="m")
    assert repr(conv).endswith("step_mode=m)")
    assert list(conv.state_dict()) == list(nn.Conv2d(1, 4, 3).state_dict())
    assert list(layer.BatchNorm1d(2).state_dict()) == list(nn.BatchNorm1d(2).state_dict())


def test_layers_pickle_and_deepcopy():
    import copy
    import pickle

    for m in (layer.Conv2d(1, 2, 3, step_mode="m"), layer.MaxPool2d(2, step_mode="m"), layer.BatchNorm1d(2)):
        for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
            assert type(clone) is type(m) and clone.step_mode == m.step_mode


def test_a_spiking_cnn_gives_the_same_spikes_in_both_step_modes(device):
    from snnlab import functional, neuron

    torch.manual_seed(5)
    net = (
        nn.Sequential(
            layer.Conv2d(1, 4, 3, padding=1),
            layer.BatchNorm2d(4),
            neuron.IFNode(),
            layer.MaxPool2d(2),
            layer.AvgPool2d(2),
            layer.Flatten(),
            layer.Dropout(0.5),
            layer.Linear(4 * 2 * 2, 3),
            neuron.LIFNode(),
        )
        .to(device=device, dtype=torch.float64)
        .eval()
    )
    with torch.no_grad():
        net[0].weight.abs_().mul_(4)
        net[7].weight.abs_().mul_(4)
    x_seq = torch.rand(6, 2, 1, 8, 8, dtype=torch.float64, device=device)
    loop = torch.stack([net(x_seq[t]) for t in range(6)])
    functional.reset_net(net)
    functional.set_step_mode(net, "m")
    assert all(m.step_mode == "m" for m in net)
    torch.testing.assert_close(net(x_seq), loop)
    assert loop.sum() > 0  # the comparison is not all zeros


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("ConvTranspose1d", (2, 3, 3), (4, 2, 2, 5)),
        ("ConvTranspose2d", (2, 3, 2), (4, 2, 2, 3, 3)),
        ("ConvTranspose3d", (2, 1, 2), (3, 2, 2, 2, 3, 3)),
        ("GroupNorm", (2, 4), (3, 2, 4, 5)),
    ],
)
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_new_stateless_layers_match_spikingjelly(name, args, shape, step_mode):

    torch.manual_seed(0)
    kwargs = {"stride": 2, "output_padding": 1} if name.startswith("ConvTranspose") else {}
    ours = getattr(layer, name)(*args, step_mode=step_mode, **kwargs)
    theirs = getattr(sj("layer"), name)(*args, step_mode=step_mode, **kwargs)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(shape)
    if step_mode == "s":
        x = x[0]
    (y, g), (y_ref, g_ref) = run_both(ours, theirs, x)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    if step_mode == "m":  # 'm' equals the torch layer applied step by step
        plain = getattr(nn, name)(*args, **kwargs)
        plain.load_state_dict(ours.state_dict())
        torch.testing.assert_close(y, torch.stack([plain(x_t) for x_t in x]).detach())


def test_conv_transpose_in_multi_step_checks_the_rank():
    with pytest.raises(ValueError, match=r"ConvTranspose2d: expected x with shape \[T, N, C, H, W\]"):
        layer.ConvTranspose2d(2, 3, 2, step_mode="m")(torch.zeros(2, 2, 3, 3))


# ----------------------------------------------------------------------------- opaque errors at the edges
@pytest.mark.parametrize("step_mode, shape", [("m", (4, 3)), ("s", (3,))])
def test_flatten_names_the_shape_it_needs(step_mode, shape):
    with pytest.raises(ValueError, match=r"Flatten: expected x with at least"):
        layer.Flatten(step_mode=step_mode)(torch.zeros(shape))

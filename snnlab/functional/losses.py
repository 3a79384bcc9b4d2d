"""Losses and training targets: kernel similarities, the spike-similarity loss, the TET loss, threshold margins.

``predicted_similarity`` and ``target_similarity`` are the two matrices ``spike_similar_loss`` compares;
they are public so that analysis code draws exactly what the loss sees.

Shape:
    ``kernel_dot_product``: ``[N, M], [K, M] -> [N, K]``; ``spike_similar_loss``: ``[N, *], [N, C] -> []``;
    ``temporal_efficient_training_cross_entropy``: ``[T, N, C, *], [N, *] -> []``.

Example:
    >>> import torch
    >>> from snnlab.functional.losses import kernel_dot_product
    >>> kernel_dot_product(torch.eye(2), torch.ones(3, 2)).shape
    torch.Size([2, 3])
"""

import numbers
from typing import Any, cast

import torch
import torch.nn.functional as F

from ..checks import check_choice, check_real, check_tensor, describe

__all__ = [
    "KERNELS",
    "KERNEL_PARAMETERS",
    "LOSS_TYPES",
    "kernel_dot_product",
    "predicted_similarity",
    "set_threshold_margin",
    "spike_similar_loss",
    "target_similarity",
    "temporal_efficient_training_cross_entropy",
]

#: the kernels of ``kernel_dot_product`` / ``spike_similar_loss``, and what each one's parameter is
KERNELS = ("linear", "polynomial", "sigmoid", "gaussian")
KERNEL_PARAMETERS = {"polynomial": "the degree d", "sigmoid": "the slope alpha", "gaussian": "the width sigma"}
#: the loss types of ``spike_similar_loss``
LOSS_TYPES = ("mse", "l1", "bce")
_BCE_TOLERANCE = 1e-6


def _kernel_parameter(owner: str, kernel: str, args: tuple) -> numbers.Real | torch.Tensor | None:
    """Validate ``kernel`` and return its parameter (``None`` for 'linear') before any computation."""
    check_choice(owner, "kernel", kernel, KERNELS)
    if kernel == "linear":
        return None
    if len(args) == 0:
        raise TypeError(
            f"{owner}: the '{kernel}' kernel needs {KERNEL_PARAMETERS[kernel]} as an extra positional argument, got none"
        )
    p = args[0]
    if isinstance(p, bool) or not isinstance(p, (numbers.Real, torch.Tensor)):
        raise TypeError(
            f"{owner}: {KERNEL_PARAMETERS[kernel]} of the '{kernel}' kernel must be a real number or a tensor, got {describe(p)}"
        )
    if not bool(torch.isfinite(torch.as_tensor(p)).all()):
        raise ValueError(
            f"{owner}: {KERNEL_PARAMETERS[kernel]} of the '{kernel}' kernel must be finite, got {describe(p)}"
        )
    if kernel == "gaussian" and bool((torch.as_tensor(p) <= 0).any()):
        raise ValueError(f"{owner}: sigma of the 'gaussian' kernel must be positive, got {describe(p)}")
    return p


def kernel_dot_product(x: torch.Tensor, y: torch.Tensor, kernel: str = "linear", *args: float) -> torch.Tensor:
    """Inner products of every row of ``x`` with every row of ``y`` in a kernel space.

    ``ret[i, j] = k(x[i], y[j])`` with the kernel ``k`` named by ``kernel``; its parameter is the first
    extra positional argument:

    - ``'linear'``: ``x_i . y_j``
    - ``'polynomial'``: ``(x_i . y_j) ** d``
    - ``'sigmoid'``: ``sigmoid(alpha * x_i . y_j)``
    - ``'gaussian'``: ``exp(-||x_i - y_j||^2 / (2 sigma^2))``, ``sigma > 0``

    Divergences from SpikingJelly: the gaussian kernel accepts ``x`` and ``y`` with different row
    counts, never exceeds 1 (the squared distance is clamped at 0 against rounding), and rejects
    ``sigma <= 0``; unknown kernel names raise ``UnknownOptionError`` and a missing parameter ``TypeError``.

    Shape:
        ``x``: ``[N, M]``, ``y``: ``[K, M]`` -> ``[N, K]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import kernel_dot_product
        >>> x = torch.tensor([[1., 0.], [0., 2.]])
        >>> kernel_dot_product(x, x)
        tensor([[1., 0.],
                [0., 4.]])
        >>> kernel_dot_product(x, x, 'gaussian', 1.0)
        tensor([[1.0000, 0.0821],
                [0.0821, 1.0000]])
    """
    owner = "kernel_dot_product"
    p = _kernel_parameter(owner, kernel, args)
    for name, t in (("x", x), ("y", y)):
        check_tensor(owner, name, t)
        if t.dim() != 2:
            raise ValueError(f"{owner}: {name} must be a 2-D tensor [rows, features], got shape {list(t.shape)}")
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"{owner}: x and y must have the same number of features, got shapes {list(x.shape)} and {list(y.shape)}"
        )
    if x.dtype != y.dtype:
        raise TypeError(f"{owner}: x and y must have the same dtype, got {x.dtype} and {y.dtype}")
    xy = x.mm(y.t())
    if kernel == "linear":
        return xy
    p = cast(Any, p)  # every kernel but 'linear' has a real or tensor parameter (checked above)
    if kernel == "polynomial":
        return xy.pow(p)
    if kernel == "sigmoid":
        return torch.sigmoid(p * xy)
    # gaussian: ||x_i - y_j||^2 = |x_i|^2 + |y_j|^2 - 2 x_i . y_j, with broadcast norms (no copies)
    x2 = x.square().sum(dim=1)
    y2 = y.square().sum(dim=1)
    d_xy = (
        torch.addmm(x2.unsqueeze(1) + y2.unsqueeze(0), x, y.t(), alpha=-2)
        if xy.is_floating_point()
        else x2.unsqueeze(1) + y2.unsqueeze(0) - 2 * xy
    )
    return torch.exp(-d_xy.clamp_min(0) / (2 * p * p))


def predicted_similarity(spikes: torch.Tensor, kernel_type: str = "linear", *args: float) -> torch.Tensor:
    """The similarity matrix of a batch of spike patterns, as ``spike_similar_loss`` compares it.

    Each sample is flattened to a vector; the kernel matrix of those vectors is returned, divided by the
    product of norms (cosine similarity, ``+1e-8`` against zero patterns) for the ``'linear'`` kernel.
    Integer or bool spikes are used as default-dtype floats.

    Shape:
        ``spikes``: ``[N, *]`` -> ``[N, N]``.

    Example:
        >>> import torch
        >>> from snnlab.functional.losses import predicted_similarity
        >>> spikes = torch.tensor([[1., 1., 0.], [1., 1., 0.], [0., 0., 1.]])
        >>> predicted_similarity(spikes).round(decimals=4)
        tensor([[1., 1., 0.],
                [1., 1., 0.],
                [0., 0., 1.]])
    """
    owner = "predicted_similarity"
    _kernel_parameter(owner, kernel_type, args)
    check_tensor(owner, "spikes", spikes, min_dim=2)
    if not spikes.is_floating_point():
        spikes = spikes.to(torch.get_default_dtype())
    flat = spikes.flatten(start_dim=1)
    sim_p = kernel_dot_product(flat, flat, kernel_type, *args)
    if kernel_type == "linear":
        norms = flat.norm(p=2, dim=1, keepdim=True)
        sim_p = sim_p / (norms.mm(norms.t()) + 1e-8)
    return sim_p


def target_similarity(labels: torch.Tensor) -> torch.Tensor:
    """Ground-truth similarity of a batch of multi-hot labels: 1 where two samples share a label.

    Computed as ``labels @ labels.T`` clamped above at 1, in float32 (labels of any numeric or bool dtype).

    Shape:
        ``labels``: ``[N, C]`` -> float32 ``[N, N]``.

    Example:
        >>> import torch
        >>> from snnlab.functional.losses import target_similarity
        >>> target_similarity(torch.tensor([[1, 0], [1, 1], [0, 1]]))
        tensor([[1., 1., 0.],
                [1., 1., 1.],
                [0., 1., 1.]])
    """
    owner = "target_similarity"
    check_tensor(owner, "labels", labels)
    if labels.dim() != 2:
        raise ValueError(
            f"{owner}: labels must be multi-hot of shape [N, C], got shape {list(labels.shape)} "
            "(class indices can be converted with torch.nn.functional.one_hot)"
        )
    labels = labels.float()
    return labels.mm(labels.t()).clamp_max(1)


def spike_similar_loss(
    spikes: torch.Tensor, labels: torch.Tensor, kernel_type: str = "linear", loss_type: str = "mse", *args: float
) -> torch.Tensor:
    """Loss between how similar the spike patterns are and how similar their labels are.

    ``predicted_similarity(spikes, kernel_type, *args)`` is compared with ``target_similarity(labels)``
    by ``loss_type``: ``'mse'``, ``'l1'`` or ``'bce'``. For ``'bce'`` the target takes the prediction's
    dtype and predictions within 1e-6 of ``[0, 1]`` (cosine rounding) are clamped into it; a kernel
    whose values leave ``[0, 1]`` further (e.g. ``'polynomial'``) raises ``ValueError``. SpikingJelly
    raised a ``RuntimeError`` in both cases.

    Shape:
        ``spikes``: ``[N, *]``, ``labels``: ``[N, C]`` -> ``[]`` (a 0-d tensor).

    Example:
        >>> import torch
        >>> from snnlab.functional import spike_similar_loss
        >>> spikes = torch.tensor([[1., 0., 1.], [1., 0., 1.], [0., 1., 0.]])
        >>> labels = torch.tensor([[1, 0], [1, 0], [0, 1]])
        >>> bool(spike_similar_loss(spikes, labels) < 1e-12)
        True
        >>> spike_similar_loss(torch.zeros(3, 3), labels)   # all-silent: mean of the target matrix
        tensor(0.5556)
    """
    owner = "spike_similar_loss"
    _kernel_parameter(owner, kernel_type, args)
    check_choice(owner, "loss_type", loss_type, LOSS_TYPES)
    check_tensor(owner, "spikes", spikes, min_dim=2)
    check_tensor(owner, "labels", labels)
    if spikes.shape[0] == 0:
        raise ValueError(f"{owner}: spikes must hold at least one sample, got shape {list(spikes.shape)}")
    if labels.dim() != 2 or labels.shape[0] != spikes.shape[0]:
        raise ValueError(
            f"{owner}: labels must be multi-hot of shape [N, C] with N={spikes.shape[0]} (the batch "
            f"size of spikes), got shape {list(labels.shape)}"
        )
    sim_p = predicted_similarity(spikes, kernel_type, *args)
    sim = target_similarity(labels)
    if loss_type == "mse":
        return F.mse_loss(sim_p, sim)
    if loss_type == "l1":
        return F.l1_loss(sim_p, sim)
    tol = max(_BCE_TOLERANCE, 8 * torch.finfo(sim_p.dtype).eps)
    if bool(((sim_p < -tol) | (sim_p > 1 + tol) | sim_p.isnan()).any()):
        raise ValueError(
            f"{owner}: loss_type 'bce' needs similarities in [0, 1], but the '{kernel_type}' kernel gave "
            f"values in [{float(sim_p.min()):.6g}, {float(sim_p.max()):.6g}]; use 'mse' or 'l1'"
        )
    return F.binary_cross_entropy(sim_p.clamp(0, 1), sim.to(sim_p.dtype))


def temporal_efficient_training_cross_entropy(x_seq: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Temporal efficient training (TET) loss: the cross entropy of every time step, averaged.

    Equal to ``mean_t F.cross_entropy(x_seq[t], target)`` (``ignore_index=-100`` honoured), computed as
    one cross entropy over the time-folded batch. An empty batch raises ``ValueError``; so does a CPU
    target whose every entry is ignored (the mean over no sample is undefined). A GPU target is not
    read back for that check, which would stall each call: there such a batch gives NaN, as in torch.

    Shape:
        ``x_seq``: ``[T, N, C, *]`` logits, ``target``: ``[N, *]`` class indices -> ``[]``.

    Example:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> from snnlab.functional import temporal_efficient_training_cross_entropy
        >>> x_seq = torch.rand(8, 4, 10, generator=torch.Generator().manual_seed(0))
        >>> target = torch.tensor([3, 0, 9, 1])
        >>> per_step = sum(F.cross_entropy(x_seq[t], target) for t in range(8)) / 8
        >>> bool((temporal_efficient_training_cross_entropy(x_seq, target) - per_step).abs() < 1e-6)
        True
    """
    owner = "temporal_efficient_training_cross_entropy"
    check_tensor(owner, "x_seq", x_seq, min_dim=3)
    check_tensor(owner, "target", target)
    T, N = x_seq.shape[0], x_seq.shape[1]
    if T == 0:
        raise ValueError(f"{owner}: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
    expected = [N] + list(x_seq.shape[3:])
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(
            f"{owner}: target must hold integer class indices of shape {expected}, got {describe(target)} "
            "(probability targets are not supported)"
        )
    if list(target.shape) != expected:
        raise ValueError(
            f"{owner}: target must have shape {expected} for x_seq of shape {list(x_seq.shape)} "
            f"([T, N, C, *] -> [N, *]), got shape {list(target.shape)}"
        )
    if N == 0:
        raise ValueError(f"{owner}: x_seq must hold at least one sample, got shape {list(x_seq.shape)}")
    # checked where the target is in host memory; on a GPU reading it back would stall every call
    if target.device.type == "cpu" and torch.equal(target, torch.full_like(target, -100)):
        raise ValueError(f"{owner}: every target is the ignored index -100, so the mean loss is undefined")
    target_seq = target.long().repeat(T, *([1] * (target.dim() - 1)))  # [T * N, *], time-major like x_seq
    return F.cross_entropy(x_seq.flatten(0, 1), target_seq)


def set_threshold_margin(
    output_layer: Any,
    label_one_hot: torch.Tensor,
    eval_threshold: float = 1.0,
    threshold0: float = 0.9,
    threshold1: float = 1.1,
) -> None:
    """Give the output neurons a class-dependent threshold while training, a common one at evaluation.

    In training mode, ``output_layer.v_threshold`` becomes a tensor shaped like ``label_one_hot``:
    ``threshold1`` where the label is 1 (the true class), ``threshold0`` elsewhere. In evaluation mode it
    becomes the float ``eval_threshold``. snnlab neurons accept such a tensor threshold in every mode.

    Shape:
        ``label_one_hot``: ``[N, C]``, the shape of the output layer's per-step output.

    Example:
        >>> import torch
        >>> from snnlab.functional import set_threshold_margin
        >>> layer = torch.nn.Module()
        >>> set_threshold_margin(layer, torch.tensor([[0, 1, 0]]))
        >>> layer.v_threshold
        tensor([[0.9000, 1.1000, 0.9000]])
        >>> set_threshold_margin(layer.eval(), torch.tensor([[0, 1, 0]])); layer.v_threshold
        1.0
    """
    owner = "set_threshold_margin"
    if not isinstance(getattr(output_layer, "training", None), bool):
        raise TypeError(f"{owner}: output_layer must be a module with a 'training' flag, got {describe(output_layer)}")
    check_tensor(owner, "label_one_hot", label_one_hot)
    eval_threshold = check_real(owner, "eval_threshold", eval_threshold)
    threshold0 = check_real(owner, "threshold0", threshold0)
    threshold1 = check_real(owner, "threshold1", threshold1)
    if not output_layer.training:
        output_layer.v_threshold = eval_threshold
        return
    v_threshold = torch.ones_like(label_one_hot) * threshold0
    v_threshold[label_one_hot == 1] = threshold1
    output_layer.v_threshold = v_threshold

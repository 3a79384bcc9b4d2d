"""SpikingJelly-compatible functional API: the 23 functions of ``spikingjelly.activation_based.functional``.

Grouped by concern: ``network`` (reset, detach, step mode, backend), ``forward`` (running modules over
time), ``spikes`` (first spike, delay, redundant one-hot), ``losses`` (kernels, similarity and TET
losses, threshold margins), ``fusion`` (conv-bn folding), ``init`` (weight init) and ``online``
(FPTT / OTTT online training).

Shape:
    see each function; sequences are time-first ``[T, N, *]`` except where a function says otherwise.

Example:
    >>> import torch
    >>> from snnlab import functional
    >>> functional.multi_step_forward(torch.ones(2, 3), torch.nn.Identity()).shape
    torch.Size([2, 3])
"""

from .forward import chunk_multi_step_forward, multi_step_forward, seq_to_ann_forward
from .fusion import (
    fuse_convbn2d,
    fused_conv2d_bias_of_convbn2d,
    fused_conv2d_weight_of_convbn2d,
    scale_fused_conv2d_bias_of_convbn2d,
    scale_fused_conv2d_weight_of_convbn2d,
)
from .init import kaiming_normal_conv_linear_weight
from .losses import (
    kernel_dot_product,
    set_threshold_margin,
    spike_similar_loss,
    temporal_efficient_training_cross_entropy,
)
from .network import detach_net, reset_net, set_backend, set_step_mode
from .online import fptt_online_training, fptt_online_training_init_w_ra, ottt_online_training
from .spikes import delay, first_spike_index, redundant_one_hot

__all__ = [
    "chunk_multi_step_forward",
    "delay",
    "detach_net",
    "first_spike_index",
    "fptt_online_training",
    "fptt_online_training_init_w_ra",
    "fuse_convbn2d",
    "fused_conv2d_bias_of_convbn2d",
    "fused_conv2d_weight_of_convbn2d",
    "kaiming_normal_conv_linear_weight",
    "kernel_dot_product",
    "multi_step_forward",
    "ottt_online_training",
    "redundant_one_hot",
    "reset_net",
    "scale_fused_conv2d_bias_of_convbn2d",
    "scale_fused_conv2d_weight_of_convbn2d",
    "seq_to_ann_forward",
    "set_backend",
    "set_step_mode",
    "set_threshold_margin",
    "spike_similar_loss",
    "temporal_efficient_training_cross_entropy",
]

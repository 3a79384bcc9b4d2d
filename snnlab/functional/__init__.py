"""SpikingJelly-compatible functional API: the functions of ``spikingjelly.activation_based.functional``.

Shape:
    see each function.

Example:
    >>> import torch
    >>> from snnlab import functional
    >>> functional.multi_step_forward(torch.ones(2, 3), torch.nn.Identity()).shape
    torch.Size([2, 3])
"""
from .network import detach_net, reset_net, set_backend, set_step_mode
from .forward import chunk_multi_step_forward, multi_step_forward, seq_to_ann_forward
from .spikes import delay, first_spike_index, redundant_one_hot
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

__all__ = [
    "reset_net",
    "set_step_mode",
    "set_backend",
    "detach_net",
    "multi_step_forward",
    "chunk_multi_step_forward",
    "seq_to_ann_forward",
    "first_spike_index",
    "delay",
    "redundant_one_hot",
    "kernel_dot_product",
    "spike_similar_loss",
    "temporal_efficient_training_cross_entropy",
    "set_threshold_margin",
    "fused_conv2d_weight_of_convbn2d",
    "fused_conv2d_bias_of_convbn2d",
    "scale_fused_conv2d_weight_of_convbn2d",
    "scale_fused_conv2d_bias_of_convbn2d",
    "fuse_convbn2d",
    "kaiming_normal_conv_linear_weight",
]

"""Step-mode-aware layers and containers (SpikingJelly's ``activation_based.layer``).

- ``stateless``: ``Linear``, ``Conv1d/2d/3d``, ``BatchNorm1d/2d/3d``, ``Flatten``, max / average /
  adaptive average pools: torch layers plus ``step_mode`` ('m' folds time into the batch);
- ``dropout``: ``Dropout``, ``Dropout2d`` with one mask shared by all time steps;
- ``containers``: ``MultiStepContainer``, ``SeqToANNContainer``, ``StepModeContainer`` (+ time-last forms);
- ``recurrent``: ``ElementWiseRecurrentContainer``, ``LinearRecurrentContainer``;
- ``ottt``: ``OTTTSequential`` and its helpers for online training through time.

Shape:
    's': ``[N, *]``; 'm': ``[T, N, *]`` (see each class).

Example:
    >>> import torch
    >>> from snnlab import layer
    >>> net = torch.nn.Sequential(layer.Flatten(step_mode='m'), layer.Linear(12, 3, step_mode='m'))
    >>> net(torch.zeros(5, 2, 3, 4)).shape
    torch.Size([5, 2, 3])
"""

from .containers import (
    MultiStepContainer,
    SeqToANNContainer,
    StepModeContainer,
    TLastMultiStepContainer,
    TLastSeqToANNContainer,
)
from .dropout import Dropout, Dropout2d
from .ottt import GradwithTrace, OTTTSequential, ReplaceforGrad, SpikeTraceOp
from .recurrent import ElementWiseRecurrentContainer, LinearRecurrentContainer
from .stateless import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    Conv1d,
    Conv2d,
    Conv3d,
    Flatten,
    Linear,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "Dropout",
    "Dropout2d",
    "ElementWiseRecurrentContainer",
    "Flatten",
    "GradwithTrace",
    "Linear",
    "LinearRecurrentContainer",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MultiStepContainer",
    "OTTTSequential",
    "ReplaceforGrad",
    "SeqToANNContainer",
    "SpikeTraceOp",
    "StepModeContainer",
    "TLastMultiStepContainer",
    "TLastSeqToANNContainer",
]

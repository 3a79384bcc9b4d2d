"""Step-mode-aware layers and containers (SpikingJelly's ``activation_based.layer``).

- ``stateless``: ``Linear``, ``Conv1d/2d/3d``, ``BatchNorm1d/2d/3d``, ``Flatten``, max / average /
  adaptive average pools: torch layers plus ``step_mode`` ('m' folds time into the batch);
- ``stateless`` also: ``ConvTranspose1d/2d/3d``, ``GroupNorm``;
- ``dropout``: ``Dropout``, ``Dropout2d`` with one mask shared by all time steps, ``DropConnectLinear``;
- ``synapse``: ``SynapseFilter``, ``Delay``;
- ``normalization``: ``ThresholdDependentBatchNorm1d/2d/3d`` (tdBN), ``NeuNorm``;
- ``attention``: ``TemporalWiseAttention``, ``MultiDimensionalAttention``;
- ``utility``: ``VotingLayer``, ``PrintShapeModule``;
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

from .attention import MultiDimensionalAttention, TemporalWiseAttention
from .containers import (
    MultiStepContainer,
    SeqToANNContainer,
    StepModeContainer,
    TLastMultiStepContainer,
    TLastSeqToANNContainer,
)
from .dropout import DropConnectLinear, Dropout, Dropout2d
from .normalization import (
    NeuNorm,
    ThresholdDependentBatchNorm1d,
    ThresholdDependentBatchNorm2d,
    ThresholdDependentBatchNorm3d,
)
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
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Flatten,
    GroupNorm,
    Linear,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from .synapse import Delay, SynapseFilter
from .utility import PrintShapeModule, VotingLayer

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
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Delay",
    "DropConnectLinear",
    "Dropout",
    "Dropout2d",
    "ElementWiseRecurrentContainer",
    "Flatten",
    "GradwithTrace",
    "GroupNorm",
    "Linear",
    "LinearRecurrentContainer",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MultiDimensionalAttention",
    "MultiStepContainer",
    "NeuNorm",
    "OTTTSequential",
    "PrintShapeModule",
    "ReplaceforGrad",
    "SeqToANNContainer",
    "SpikeTraceOp",
    "StepModeContainer",
    "SynapseFilter",
    "TLastMultiStepContainer",
    "TLastSeqToANNContainer",
    "TemporalWiseAttention",
    "ThresholdDependentBatchNorm1d",
    "ThresholdDependentBatchNorm2d",
    "ThresholdDependentBatchNorm3d",
    "VotingLayer",
]

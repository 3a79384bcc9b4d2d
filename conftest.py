"""Test-session setup shared by tests/, package doctests and notebooks.

Without a CUDA device, Triton kernels run in the Triton interpreter on CPU tensors; the variable
must be set before anything imports triton. Figures render with the headless Agg backend.
"""

import os

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

"""Argument handling shared by the analysis functions: spike sequences and per-layer records."""

from collections.abc import Mapping

import torch

from ..checks import check_tensor, describe

__all__ = ["SINGLE_NAME", "as_records", "check_spike_seq"]

# Key under which a bare tensor (instead of a dict of layers) is reported.
SINGLE_NAME = "layer"


def check_spike_seq(owner: str, name: str, spike_seq) -> torch.Tensor:
    """Check ``spike_seq`` is a real tensor laid out ``[T, N, *]`` (at least 2-D)."""
    check_tensor(owner, name, spike_seq)
    if spike_seq.dim() < 2:
        raise ValueError(
            f"{owner}: {name} must have shape [T, N, *] (at least 2 dimensions), got shape {list(spike_seq.shape)}"
        )
    if spike_seq.dtype.is_complex:
        raise TypeError(f"{owner}: {name} must be a real or bool tensor, got {describe(spike_seq)}")
    return spike_seq


def as_records(owner: str, records) -> dict:
    """``records`` as a ``{name: [T, N, *] tensor}`` dict; a bare tensor becomes ``{'layer': t}``."""
    if isinstance(records, torch.Tensor):
        records = {SINGLE_NAME: records}
    if not isinstance(records, Mapping):
        raise TypeError(f"{owner}: records must be a tensor or a dict of name -> tensor, got {describe(records)}")
    out = {}
    for key, value in records.items():
        if not isinstance(key, str):
            raise TypeError(f"{owner}: records keys must be layer names (str), got {describe(key)}")
        out[key] = check_spike_seq(owner, f"records[{key!r}]", value)
    return out

"""Tests of snnlab/training/memory.py: SavedTensorMeter counts what autograd saves, once, until released."""

import gc

import torch

from snnlab.training import SavedTensorMeter


def test_saved_tensor_meter_counts_each_storage_once_and_releases():
    w = torch.ones(250, requires_grad=True)
    with SavedTensorMeter() as meter:
        a = w.exp()  # saves its result (1000 B)
        b = a * w  # saves a and w: a is already counted, w adds 1000 B
        loss = b.sum()
    assert meter.peak == 2000 and meter.current == 2000
    loss.backward()
    del a, b, loss
    gc.collect()
    assert meter.current == 0 and meter.peak == 2000
    with SavedTensorMeter() as outside:
        (w * 2).sum()  # multiplying by a Python number saves no tensor
    assert outside.peak == 0


def test_saved_tensor_meter_counts_a_view_by_its_own_elements():
    big = torch.ones(100, 10, requires_grad=True)
    w = torch.ones(10, requires_grad=True)
    with SavedTensorMeter() as meter:
        loss = (big[0] * w).sum()  # mul saves the view big[0] (10 floats) and w (10 floats)
    assert meter.peak == 80
    del loss
    gc.collect()
    assert meter.current == 0

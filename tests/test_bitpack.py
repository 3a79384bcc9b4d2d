import numpy as np
import pytest
import torch

from snnlab.bitpack import _packbits_torch, _unpackbits_torch, packbits, packed_length, unpackbits


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 23])
def test_packbits_matches_numpy_big_endian(device, n):
    g = torch.Generator().manual_seed(n)
    bits = torch.rand(3, 4, n, generator=g) > 0.5
    expected = torch.from_numpy(np.packbits(bits.numpy(), axis=-1))
    packed = packbits(bits.to(device))
    assert packed.dtype == torch.uint8 and packed.device.type == device
    torch.testing.assert_close(packed.cpu(), expected)
    torch.testing.assert_close(unpackbits(packed, n).cpu(), bits)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 23])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_torch_path_matches_numpy(device, n, dim):
    # the device-side implementation (used off the CPU) checked on every device, CPU included
    g = torch.Generator().manual_seed(100 + n)
    bits = (torch.rand(n + 2, n + 1, n, generator=g) > 0.5).permute(2, 1, 0)  # a strided view [n, n+1, n+2]
    assert not bits.is_contiguous()
    expected = torch.from_numpy(np.packbits(bits.numpy(), axis=dim))
    packed = _packbits_torch(bits.to(device), dim)
    assert packed.dtype == torch.uint8 and packed.is_contiguous()
    torch.testing.assert_close(packed.cpu(), expected)
    torch.testing.assert_close(_unpackbits_torch(expected.to(device), bits.shape[dim], dim).cpu(), bits)


@pytest.mark.parametrize("dim", [0, 1, -3])
def test_packbits_along_other_dims(device, dim):
    g = torch.Generator().manual_seed(0)
    bits = torch.rand(10, 11, 3, generator=g) > 0.3
    expected = torch.from_numpy(np.packbits(bits.numpy(), axis=dim))
    packed = packbits(bits.to(device), dim=dim)
    torch.testing.assert_close(packed.cpu(), expected)
    torch.testing.assert_close(unpackbits(packed, bits.shape[dim], dim=dim).cpu(), bits)


@pytest.mark.parametrize(
    "pack,unpack", [(packbits, unpackbits), (lambda x: _packbits_torch(x, 0), lambda p, n: _unpackbits_torch(p, n, 0))]
)
def test_bit_order_by_hand(pack, unpack):
    # first element -> most significant bit (128), eighth -> 1; padding bits are zero.
    assert pack(torch.tensor([True] + [False] * 7)).tolist() == [128]
    assert pack(torch.tensor([False] * 7 + [True])).tolist() == [1]
    assert pack(torch.tensor([False, True, False])).tolist() == [64]
    assert pack(torch.tensor([True] * 8 + [True, False, True])).tolist() == [255, 160]
    assert unpack(torch.tensor([64], dtype=torch.uint8), 3).tolist() == [False, True, False]
    assert unpack(torch.tensor([255, 160], dtype=torch.uint8), 11).tolist() == [True] * 8 + [True, False, True]


def test_integer_input_counts_nonzero_as_set():
    x = torch.tensor([2, 0, -1, 0, 0, 0, 0, 5], dtype=torch.int64)
    assert packbits(x).tolist() == [0b10100001]
    assert packbits(x.to(torch.uint8)).tolist() == [0b10100001]


def test_non_contiguous_input():
    bits = (torch.arange(64).reshape(8, 8) % 3 == 0).t()
    assert not bits.is_contiguous()
    torch.testing.assert_close(packbits(bits), torch.from_numpy(np.packbits(bits.numpy(), axis=-1)))


def test_empty_last_dim_and_count_zero():
    assert packbits(torch.zeros(2, 0, dtype=torch.bool)).shape == (2, 0)
    assert unpackbits(torch.zeros(2, 3, dtype=torch.uint8), 0).shape == (2, 0)


def test_packed_length():
    assert [packed_length(n) for n in (0, 1, 8, 9, 17)] == [0, 1, 1, 2, 3]
    with pytest.raises(ValueError, match=r"packed_length: count must be an integer >= 0, got -1"):
        packed_length(-1)


def test_errors():
    with pytest.raises(
        TypeError,
        match=r"packbits: x must be a bool or integer tensor \(use x != 0 for spikes\), "
        r"got a torch.float32 tensor of shape \[3\]",
    ):
        packbits(torch.ones(3))
    with pytest.raises(TypeError, match=r"packbits: x must be a torch.Tensor, got an object of type list"):
        packbits([True])
    with pytest.raises(ValueError, match=r"packbits: x must have at least 1 dimension\(s\), got shape \[\]"):
        packbits(torch.tensor(True))
    with pytest.raises(ValueError, match=r"packbits: dim must be an integer in \[-2, 1\], got 2"):
        packbits(torch.ones(2, 2, dtype=torch.bool), dim=2)
    with pytest.raises(TypeError, match=r"unpackbits: packed must be a uint8 tensor, got a torch.int64 tensor"):
        unpackbits(torch.ones(2, dtype=torch.int64), 3)
    with pytest.raises(ValueError, match=r"unpackbits: count must be at most 8 \* packed.shape\[0\] = 16, got 17"):
        unpackbits(torch.ones(2, dtype=torch.uint8), 17)
    with pytest.raises(TypeError, match=r"unpackbits: count must be an integer, got 2.0 \(float\)"):
        unpackbits(torch.ones(2, dtype=torch.uint8), 2.0)

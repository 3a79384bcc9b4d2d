"""Make the NIR files shipped with snnlab's tutorial and tests (run from the repository root).

    python tests/interop/make_fixtures.py

needs ``snntorch`` (the 'interop' extra). It writes:

- ``notebooks/data/snntorch_mlp.nir``: a small snnTorch network (64 -> 32 -> 10 ``Leaky`` neurons, zero
  reset) exported by snnTorch's own ``export_to_nir``; its second weight layer is deliberately 50 times
  too weak, so the output layer never fires (the tutorial finds and fixes that);
- ``tests/interop/fixtures/snntorch_mlp_io.npz``: Poisson-encoded digits (``x``, ``[T, N, 64]``) and the
  spikes snnTorch itself produced on them (``spikes_1``, ``spikes_3``), so that a test with ``nir``
  alone checks the file against snnTorch's run.
"""

from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
NIR_FILE = ROOT / "notebooks" / "data" / "snntorch_mlp.nir"
IO_FILE = ROOT / "tests" / "interop" / "fixtures" / "snntorch_mlp_io.npz"
T, N, WEAKENED = 20, 8, 0.02


def build():
    import snntorch as snn

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 32),
        snn.Leaky(beta=torch.full((32,), 0.8), threshold=torch.ones(32), init_hidden=True, reset_mechanism="zero"),
        torch.nn.Linear(32, 10),
        snn.Leaky(beta=torch.full((10,), 0.8), threshold=torch.ones(10), init_hidden=True, reset_mechanism="zero"),
    )
    with torch.no_grad():
        net[0].weight.normal_(0.0, 0.5).add_(0.05)
        net[0].bias.zero_()
        net[2].weight.normal_(0.0, 0.6).add_(0.15).mul_(WEAKENED)
        net[2].bias.zero_()
    return net


def inputs():
    from snnlab.datasets import load_digits
    from snnlab.encoding import PoissonEncoder

    images = load_digits().x_test[:N]
    encoder = PoissonEncoder()
    torch.manual_seed(1)
    return torch.stack([encoder(images) for _ in range(T)])


def main():
    from snntorch import utils
    from snntorch.export_nir import export_to_nir

    from snnlab.interop import write_nir

    net, x = build(), inputs()
    records = {"1": [], "3": []}
    hooks = [
        net[int(name)].register_forward_hook(lambda m, i, o, name=name: records[name].append(o.detach()))
        for name in records
    ]
    utils.reset(net)
    with torch.no_grad():
        for step in x:
            net(step)
    for hook in hooks:
        hook.remove()  # the exporter runs the network once more
    NIR_FILE.parent.mkdir(parents=True, exist_ok=True)
    IO_FILE.parent.mkdir(parents=True, exist_ok=True)
    write_nir(NIR_FILE, export_to_nir(net, x[0], ignore_dims=[0]))
    spikes = {f"spikes_{n}": torch.stack(v).bool().numpy() for n, v in records.items()}
    np.savez_compressed(IO_FILE, x=x.bool().numpy(), **spikes)
    print({k: int(v.sum()) for k, v in spikes.items()}, NIR_FILE.stat().st_size, IO_FILE.stat().st_size)


if __name__ == "__main__":
    main()

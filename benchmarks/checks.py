"""What the input and assignment checks of a neuron cost, next to one step of the neuron itself.

Times (``timeit``, best of 5 repeats, microseconds per call, one thread) of:
``check_input`` (dtype and threshold-shape check before any state changes), an assignment of ``v``
(it passes the configuration-check ``__setattr__``), ``v_float_to_tensor`` (shape and dtype of the
kept state), and one whole single-step call of a ``LIFNode`` on a ``[32, 128]`` input.

Run: ``python benchmarks/checks.py [--batch 32] [--features 128]``.
"""

import argparse
import timeit

import torch

from snnlab import neuron


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--number", type=int, default=20_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    node, x = neuron.LIFNode(), torch.rand(args.batch, args.features)
    node(x)
    cases = {
        "check_input": lambda: node.check_input(x),
        "assign v": lambda: setattr(node, "v", node.v),
        "v_float_to_tensor": lambda: node.v_float_to_tensor(x),
        "one LIF step": lambda: node(x),
    }
    for label, call in cases.items():
        best = min(timeit.repeat(call, number=args.number, repeat=5)) / args.number * 1e6
        print(f"{label:>18}: {best:8.2f} us")


if __name__ == "__main__":
    main()

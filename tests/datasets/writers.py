"""Writers of tiny data sets in the real on-disk formats that tonic reads (N-MNIST, DVS Gesture, SHD).

Each writer takes a list of ``(events, label)`` samples, events as a dict of int64 arrays ``t, x, y, p``
(time order, microseconds), and lays the files out under ``root`` as the originals are extracted.
"""

import os

import numpy as np


def random_events(rng, n, width, height, polarities, duration):
    """``n`` events in time order on a ``width x height`` sensor, time stamps in ``[0, duration)``."""
    return {
        "t": np.sort(rng.integers(0, duration, n)).astype(np.int64),
        "x": rng.integers(0, width, n).astype(np.int64),
        "y": rng.integers(0, height, n).astype(np.int64),
        "p": rng.integers(0, polarities, n).astype(np.int64),
    }


def write_nmnist(root, samples, train=True):
    """``root/NMNIST/<Train|Test>/<digit>/<id>.bin``: 40 bits per event, big-endian fields.

    Byte 0 is x, byte 1 is y, then 24 bits: the top bit is the polarity, the lower 23 the time stamp.
    """
    paths = []
    for i, (ev, label) in enumerate(samples):
        folder = os.path.join(root, "NMNIST", "Train" if train else "Test", str(label))
        os.makedirs(folder, exist_ok=True)
        t = ev["t"].astype(np.uint32)
        assert int(t.max(initial=0)) < 2**23 and int(ev["x"].max(initial=0)) < 256
        raw = np.zeros((len(t), 5), dtype=np.uint8)
        raw[:, 0] = ev["x"]
        raw[:, 1] = ev["y"]
        raw[:, 2] = (ev["p"].astype(np.uint32) << 7) | (t >> 16)
        raw[:, 3] = (t >> 8) & 0xFF
        raw[:, 4] = t & 0xFF
        path = os.path.join(folder, f"{i:05d}.bin")
        raw.tofile(path)
        paths.append(path)
    return paths


def write_dvs_gesture(root, samples, train=True, user=1, lighting="fluorescent"):
    """``root/DVSGesture/ibmGesture<Train|Test>/user<NN>_<lighting>/<label>.npy``: ``[E, 4]`` x, y, p, t in ms.

    One file per label and user folder, so each sample goes to its own user folder (``user + i``).
    Time stamps must be whole milliseconds (``t % 1000 == 0``) to survive the millisecond format.
    """
    for i, (ev, label) in enumerate(samples):
        folder = os.path.join(
            root, "DVSGesture", "ibmGestureTrain" if train else "ibmGestureTest", f"user{user + i:02d}_{lighting}"
        )
        os.makedirs(folder, exist_ok=True)
        assert (ev["t"] % 1000 == 0).all()
        table = np.stack([ev["x"], ev["y"], ev["p"], ev["t"] // 1000], axis=1).astype(np.float64)
        np.save(os.path.join(folder, f"{label}.npy"), table)


def write_shd(root, samples, train=True):
    """``root/SHD/shd_<train|test>.h5``: ragged ``spikes/times`` (seconds) and ``spikes/units``, ``labels``, ``extra``."""
    import h5py

    folder = os.path.join(root, "SHD")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "shd_train.h5" if train else "shd_test.h5")
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (len(samples),), dtype=h5py.vlen_dtype(np.float64))
        units = f.create_dataset("spikes/units", (len(samples),), dtype=h5py.vlen_dtype(np.uint16))
        for i, (ev, _label) in enumerate(samples):
            times[i] = ev["t"].astype(np.float64) / 1e6
            units[i] = ev["x"].astype(np.uint16)
        f.create_dataset("labels", data=np.array([label for _ev, label in samples], dtype=np.uint16))
        f.create_dataset("extra/keys", data=np.array([f"digit-{k}".encode() for k in range(20)]))
        f.create_dataset("extra/speaker", data=np.arange(len(samples), dtype=np.uint16))
    return path

"""Choosing the device (CUDA GPU, Apple GPU or CPU) a chapter runs on."""

import platform

import torch

KNOWN_DEVICE_TYPES = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def available_device_types() -> list[str]:
    """The device types usable on this machine, fastest first."""
    types = []
    if torch.cuda.is_available():
        types.append("cuda")
    if _mps_available():
        types.append("mps")
    types.append("cpu")
    return types


def get_device(name: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    Args:
        name: ``None`` picks the fastest available device (``cuda``, then ``mps``,
            then ``cpu``). Otherwise a device such as ``"cpu"``, ``"cuda"`` or
            ``"cuda:1"``, which must exist on this machine.

    Raises:
        ValueError: ``name`` is not a device type PyTorch knows here.
        RuntimeError: the device type is known but not available on this machine.
    """
    if name is None:
        return torch.device(available_device_types()[0])
    text = str(name)
    device_type, _, index = text.partition(":")
    if device_type not in KNOWN_DEVICE_TYPES or (index and not index.isdigit()):
        raise ValueError(
            f"unknown device {text!r}: use one of {', '.join(KNOWN_DEVICE_TYPES)}"
            " (optionally with an index, as in 'cuda:0'), or None to choose"
            " automatically"
        )
    if device_type not in available_device_types():
        raise RuntimeError(
            f"device {text!r} is not available on this machine (available:"
            f" {', '.join(available_device_types())}); pass None to choose"
            " automatically, or 'cpu'"
        )
    if device_type == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise RuntimeError(
            f"device {text!r} does not exist: this machine has"
            f" {torch.cuda.device_count()} CUDA device(s), numbered from 0"
        )
    return torch.device(text)


def describe_device(device: str | torch.device | None = None) -> str:
    """A human-readable name of the hardware behind ``device``, for reports.

    ``"NVIDIA H100 80GB HBM3"`` for a CUDA device, ``"Apple GPU (mps)"``, or the
    CPU's architecture with the number of threads PyTorch uses, e.g.
    ``"CPU x86_64, 2 threads"``.
    """
    device = get_device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (mps)"
    return f"CPU {platform.machine()}, {torch.get_num_threads()} threads"

import pytest
import torch

from dlbook import devices
from dlbook.devices import available_device_types, get_device


def test_default_is_the_first_available_type():
    assert get_device().type == available_device_types()[0]


def test_cpu_is_always_available_and_last():
    assert available_device_types()[-1] == "cpu"
    assert get_device("cpu") == torch.device("cpu")


def test_accepts_a_torch_device():
    assert get_device(torch.device("cpu")) == torch.device("cpu")


def test_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert available_device_types() == ["cuda", "mps", "cpu"]
    assert get_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device().type == "mps"


@pytest.mark.parametrize("name", ["gpu", "tpu", "cuda:x", "CPU", ""])
def test_unknown_device_names_the_valid_choices(name):
    with pytest.raises(ValueError, match="use one of cuda, mps, cpu"):
        get_device(name)


def test_unavailable_device_says_what_is_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="not available on this machine"):
        get_device("cuda")


def test_cuda_index_out_of_range(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert get_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(RuntimeError, match="has 1 CUDA device"):
        get_device("cuda:3")


def test_describe_device_names_the_hardware(monkeypatch):
    assert devices.describe_device("cpu").startswith("CPU ")
    assert f"{torch.get_num_threads()} threads" in devices.describe_device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda _: "NVIDIA H100")
    assert devices.describe_device("cuda") == "NVIDIA H100"

import json
import struct

import pytest
import torch

from lckv_ref import safetensors


def _hand_made(path, header, data):
    encoded = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + data)


def test_reads_a_file_built_by_hand(tmp_path):
    # bf16 0x3f80 = 1.0, 0xc040 = -3.0; f16 0x3c00 = 1.0
    data = struct.pack("<2f", 0.5, -2.0) + struct.pack("<2H", 0x3F80, 0xC040) + struct.pack("<H", 0x3C00) + struct.pack("<q", -7)
    header = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [8, 12]},
        "c": {"dtype": "F16", "shape": [], "data_offsets": [12, 14]},
        "d": {"dtype": "I64", "shape": [1], "data_offsets": [14, 22]},
    }
    _hand_made(tmp_path / "x.safetensors", header, data)
    tensors, metadata = safetensors.read(tmp_path / "x.safetensors")
    assert metadata == {"format": "pt"}
    assert tensors["a"].tolist() == [0.5, -2.0] and tensors["a"].dtype == torch.float32
    assert tensors["b"].dtype == torch.bfloat16 and tensors["b"].float().tolist() == [[1.0, -3.0]]
    assert tensors["c"].dtype == torch.float16 and tensors["c"].shape == () and float(tensors["c"]) == 1.0
    assert tensors["d"].tolist() == [-7]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    gen = torch.Generator().manual_seed(0)
    value = (torch.randn(3, 5, generator=gen) * 100).to(dtype)
    safetensors.write(tmp_path / "t.safetensors", {"w": value, "z": torch.zeros(0, 4, dtype=dtype)}, {"k": "v"})
    back, metadata = safetensors.read(tmp_path / "t.safetensors")
    assert metadata == {"k": "v"}
    assert back["w"].dtype == dtype and torch.equal(back["w"], value)
    assert back["z"].shape == (0, 4)


def test_writer_is_deterministic_and_aligned(tmp_path):
    tensors = {"b": torch.arange(3, dtype=torch.float32), "a": torch.ones(2, dtype=torch.float16)}
    safetensors.write(tmp_path / "1.safetensors", tensors)
    safetensors.write(tmp_path / "2.safetensors", dict(reversed(list(tensors.items()))))
    blob = (tmp_path / "1.safetensors").read_bytes()
    assert blob == (tmp_path / "2.safetensors").read_bytes()
    (header_len,) = struct.unpack("<Q", blob[:8])
    assert header_len % 8 == 0
    header = json.loads(blob[8 : 8 + header_len])
    assert header["a"]["data_offsets"] == [0, 4] and header["b"]["data_offsets"] == [4, 16]


@pytest.mark.parametrize(
    "header, data, message",
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "do not fit"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "trailing"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "does not start"),
        ({"a": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "unsupported dtype"),
        (
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
            b"\0" * 4,
            "does not start",
        ),
    ],
)
def test_rejects_malformed_files(tmp_path, header, data, message):
    _hand_made(tmp_path / "bad.safetensors", header, data)
    with pytest.raises(safetensors.SafetensorsError, match=message):
        safetensors.read(tmp_path / "bad.safetensors")


def test_rejects_a_length_beyond_the_file(tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(struct.pack("<Q", 1000) + b"{}")
    with pytest.raises(safetensors.SafetensorsError, match="exceeds"):
        safetensors.read(tmp_path / "bad.safetensors")

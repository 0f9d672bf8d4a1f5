"""Reader and writer for the safetensors format (8-byte little-endian header length, a JSON
header, then the raw little-endian tensor bytes), built on numpy so that no extra package is
needed. bfloat16 has no numpy dtype: it travels as int16 bit patterns reinterpreted by torch."""

import json
import struct

import numpy as np
import torch

# safetensors dtype -> (numpy little-endian storage dtype, torch dtype)
_DTYPES = {
    "F64": ("<f8", torch.float64),
    "F32": ("<f4", torch.float32),
    "F16": ("<f2", torch.float16),
    "BF16": ("<i2", torch.bfloat16),
    "I64": ("<i8", torch.int64),
    "I32": ("<i4", torch.int32),
}
_NAMES = {torch_dtype: name for name, (_, torch_dtype) in _DTYPES.items()}

# A header this large is a corrupt length field, not a real file.
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    pass


def read(path):
    """Returns ({name: tensor}, metadata dict or None) for a .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: shorter than the 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len > min(_MAX_HEADER, len(blob) - 8):
        raise SafetensorsError(f"{path}: header length {header_len} exceeds the file")
    try:
        header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not JSON: {e}") from None
    data = memoryview(blob)[8 + header_len :]
    metadata = header.pop("__metadata__", None)

    tensors = {}
    spans = []
    for name, entry in header.items():
        dtype = entry.get("dtype")
        if dtype not in _DTYPES:
            raise SafetensorsError(f"{path}: {name}: unsupported dtype {dtype!r}")
        np_dtype, torch_dtype = _DTYPES[dtype]
        shape = [int(s) for s in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        numel = int(np.prod(shape, dtype=np.int64))
        if end - begin != numel * np.dtype(np_dtype).itemsize or not 0 <= begin <= end <= len(data):
            raise SafetensorsError(f"{path}: {name}: data_offsets {begin}..{end} do not fit {dtype}{shape}")
        spans.append((begin, end, name))
        array = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(shape)
        tensor = torch.from_numpy(array.astype(np_dtype[1:], copy=True))
        tensors[name] = tensor.view(torch_dtype) if torch_dtype == torch.bfloat16 else tensor
    # The format requires the tensors to tile the data block exactly: a gap or an overlap
    # means a corrupt file or a writer bug that other readers may treat differently.
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise SafetensorsError(f"{path}: {name}: data does not start where the previous tensor ends")
        position = end
    if position != len(data):
        raise SafetensorsError(f"{path}: {len(data) - position} trailing bytes after the last tensor")
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes {name: tensor} with tensors in name order and the header padded with spaces to a
    multiple of 8 bytes, so equal inputs give byte-identical files."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous()
        if tensor.dtype not in _NAMES:
            raise SafetensorsError(f"{name}: cannot store dtype {tensor.dtype}")
        dtype = _NAMES[tensor.dtype]
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.view(torch.int16)
        raw = tensor.numpy().astype(_DTYPES[dtype][0], copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in chunks:
            f.write(raw)

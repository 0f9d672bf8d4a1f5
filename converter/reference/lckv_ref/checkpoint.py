"""Hugging Face checkpoint folders (spec §1-§2): reading every weight layout users bring, checking
names and shapes against the config, resolving tied embeddings, and writing the same layouts
(for fixtures) byte-deterministically."""

import collections
import io
import json
import os
import pickle
import re
import struct
import zipfile

import torch

from . import safetensors
from .config import parse_config

SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
BIN = "pytorch_model.bin"
BIN_INDEX = "pytorch_model.bin.index.json"
FORMATS = ("safetensors", "safetensors-sharded", "bin", "bin-sharded")
_STORED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
# Llama checkpoints saved before transformers 4.31 carry the rope table as a buffer; it is
# recomputed from the config, so it is neither a weight nor an error.
_ROPE_BUFFER = re.compile(r"model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq")


class CheckpointError(ValueError):
    pass


def load(folder):
    """Returns (ModelConfig, {name: tensor}) with `lm_head.weight` always present (the
    embedding when tied) and tensors in their stored dtype."""
    config = load_config(folder)
    return config, resolve(config, read_tensors(folder))


def load_config(folder):
    with open(os.path.join(folder, "config.json")) as f:
        return parse_config(json.load(f))


def read_tensors(folder):
    """All stored tensors of the first layout found, in Hugging Face's order of preference."""
    if os.path.exists(os.path.join(folder, SAFETENSORS)):
        return safetensors.read(os.path.join(folder, SAFETENSORS))[0]
    if os.path.exists(os.path.join(folder, SAFETENSORS_INDEX)):
        return _read_sharded(folder, SAFETENSORS_INDEX, lambda path: safetensors.read(path)[0])
    if os.path.exists(os.path.join(folder, BIN)):
        return _read_bin(os.path.join(folder, BIN))
    if os.path.exists(os.path.join(folder, BIN_INDEX)):
        return _read_sharded(folder, BIN_INDEX, _read_bin)
    raise CheckpointError(f"{folder}: no {SAFETENSORS}, {SAFETENSORS_INDEX}, {BIN} or {BIN_INDEX}")


def _read_bin(path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(t, torch.Tensor) for t in state.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors")
    return dict(state)


def _read_sharded(folder, index_name, read_shard):
    with open(os.path.join(folder, index_name)) as f:
        weight_map = json.load(f).get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise CheckpointError(f"{index_name}: no weight_map")
    tensors = {}
    for shard in sorted(set(weight_map.values())):
        if os.path.basename(shard) != shard:
            raise CheckpointError(f"{index_name}: shard {shard!r} is not a file of the folder")
        stored = read_shard(os.path.join(folder, shard))
        listed = {name for name, file in weight_map.items() if file == shard}
        if set(stored) != listed:
            raise CheckpointError(f"{shard}: holds {sorted(set(stored) ^ listed)} differently from {index_name}")
        tensors.update(stored)
    return tensors


def expected_shapes(config):
    """{name: shape} of every weight the config requires (lm_head only when untied)."""
    c = config
    hidden, q_dim, kv_dim = c.hidden_size, c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim
    shapes = {"model.embed_tokens.weight": (c.vocab_size, hidden), "model.norm.weight": (hidden,)}
    if not c.tie_word_embeddings:
        shapes["lm_head.weight"] = (c.vocab_size, hidden)
    kv_layers = set(c.kv_layers)
    for i in range(c.num_layers):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (hidden,)
        shapes[p + "post_attention_layernorm.weight"] = (hidden,)
        shapes[p + "self_attn.q_proj.weight"] = (q_dim, hidden)
        shapes[p + "self_attn.o_proj.weight"] = (hidden, q_dim)
        if i in kv_layers:
            shapes[p + "self_attn.k_proj.weight"] = (kv_dim, hidden)
            shapes[p + "self_attn.v_proj.weight"] = (kv_dim, hidden)
        shapes[p + "mlp.gate_proj.weight"] = (c.intermediate_size, hidden)
        shapes[p + "mlp.up_proj.weight"] = (c.intermediate_size, hidden)
        shapes[p + "mlp.down_proj.weight"] = (hidden, c.intermediate_size)
    return shapes


def resolve(config, stored):
    """Checks stored tensors against the config and returns the weights the model uses."""
    shapes = expected_shapes(config)
    ignorable = {name for name in stored if _ROPE_BUFFER.fullmatch(name)}
    if config.tie_word_embeddings:
        ignorable.add("lm_head.weight")  # tied: the output layer IS the embedding (spec §2)
    missing = sorted(set(shapes) - set(stored))
    if missing:
        raise CheckpointError(f"missing weights: {missing}")
    unexpected = sorted(set(stored) - set(shapes) - ignorable)
    if unexpected:
        # k/v projections of a layer no layer reads land here: spec §2 says they do not exist.
        raise CheckpointError(f"unexpected weights for layer_types {config.layer_types}: {unexpected}")
    weights = {}
    for name, shape in shapes.items():
        tensor = stored[name]
        if tuple(tensor.shape) != shape:
            raise CheckpointError(f"{name}: shape {tuple(tensor.shape)}, expected {shape}")
        if tensor.dtype not in _STORED_DTYPES:
            raise CheckpointError(f"{name}: dtype {tensor.dtype} is not float32, float16 or bfloat16")
        weights[name] = tensor
    if config.tie_word_embeddings:
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
    return weights


def save(folder, config_dict, tensors, fmt, generation_config=None, shards=2):
    """Writes a checkpoint folder: config.json, optional generation_config.json and `tensors`
    in layout `fmt` (one of FORMATS; sharded layouts split them into `shards` files)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    os.makedirs(folder, exist_ok=True)
    _write_json(os.path.join(folder, "config.json"), config_dict)
    if generation_config is not None:
        _write_json(os.path.join(folder, "generation_config.json"), generation_config)
    if fmt == "safetensors":
        safetensors.write(os.path.join(folder, SAFETENSORS), tensors, {"format": "pt"})
    elif fmt == "bin":
        _write_torch_zip(os.path.join(folder, BIN), tensors)
    else:
        stem, ext, index = ("model", "safetensors", SAFETENSORS_INDEX) if fmt == "safetensors-sharded" else ("pytorch_model", "bin", BIN_INDEX)
        weight_map = {}
        for k, names in enumerate(_split(tensors, shards)):
            shard = f"{stem}-{k + 1:05d}-of-{shards:05d}.{ext}"
            part = {name: tensors[name] for name in names}
            if ext == "safetensors":
                safetensors.write(os.path.join(folder, shard), part, {"format": "pt"})
            else:
                _write_torch_zip(os.path.join(folder, shard), part)
            weight_map.update({name: shard for name in names})
        total = sum(t.numel() * t.element_size() for t in tensors.values())
        _write_json(os.path.join(folder, index), {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})


def _split(tensors, shards):
    """Name-ordered runs of roughly equal byte size, none empty."""
    names = sorted(tensors)
    if not 1 <= shards <= len(names):
        raise ValueError(f"cannot split {len(names)} tensors into {shards} shards")
    sizes = {n: tensors[n].numel() * tensors[n].element_size() for n in names}
    total = sum(sizes.values())
    runs, done = [[]], 0
    for i, name in enumerate(names):
        share_reached = done * shards >= total * len(runs)
        names_just_enough = len(names) - i == shards - len(runs)
        if runs[-1] and len(runs) < shards and (share_reached or names_just_enough):
            runs.append([])
        runs[-1].append(name)
        done += sizes[name]
    return runs


def _write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


class _StorageRef:
    def __init__(self, key, tensor):
        self.key = key
        self.tensor = tensor


class _TensorRef:
    def __init__(self, storage):
        self.storage = storage

    def __reduce__(self):
        t = self.storage.tensor
        return (torch._utils._rebuild_tensor_v2, (self.storage, 0, tuple(t.shape), t.stride(), False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    _STORAGE_CLASSES = {torch.float32: torch.FloatStorage, torch.float16: torch.HalfStorage, torch.bfloat16: torch.BFloat16Storage}

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", self._STORAGE_CLASSES[obj.tensor.dtype], obj.key, "cpu", obj.tensor.numel())
        return None


def _write_torch_zip(path, tensors):
    """The zip layout torch.save writes (a pickle whose tensors point at storages stored as
    separate records), written here so that the bytes do not depend on the torch version: newer
    torch adds records such as a random serialization id."""
    refs = {}
    for key, name in enumerate(sorted(tensors)):
        tensor = tensors[name].detach().contiguous()
        refs[name] = _TensorRef(_StorageRef(str(key), tensor))
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(refs)
    records = [("data.pkl", buffer.getvalue())]
    for ref in refs.values():
        tensor = ref.storage.tensor
        raw = (tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor).numpy().tobytes()
        records.append((f"data/{ref.storage.key}", raw))
    records.append(("version", b"3\n"))

    archive = os.path.basename(path).split(".")[0]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, payload in records:
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            # Pad the local header's extra field so every record's data is 64-byte aligned,
            # as torch does for memory-mapping.
            data_start = zf.fp.tell() + 30 + len(info.filename) + 4
            padding = -data_start % 64
            info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
            zf.writestr(info, payload)

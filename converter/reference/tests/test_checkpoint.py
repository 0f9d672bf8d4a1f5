import json
import os

import pytest
import torch

from lckv_ref import checkpoint
from lckv_ref.checkpoint import CheckpointError
from lckv_ref.model import Model
from lckv_ref.synthetic import random_weights, stored_as, tiny_config

CONFIG = tiny_config("0_3_3_3", layers=4, force_nodiag=True)


def _stored(dtype, config=CONFIG, **kw):
    return stored_as(random_weights(config, seed=3, **kw), dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_every_layout_loads_the_same_tensors(tmp_path, dtype):
    tensors = _stored(dtype)
    loaded = []
    for fmt in checkpoint.FORMATS:
        checkpoint.save(tmp_path / fmt, CONFIG, tensors, fmt, shards=3)
        config, weights = checkpoint.load(tmp_path / fmt)
        loaded.append(weights)
    for weights in loaded:
        assert set(weights) == set(tensors)
        for name, t in tensors.items():
            assert weights[name].dtype == dtype and torch.equal(weights[name], t), name
    assert sorted(os.listdir(tmp_path / "safetensors-sharded")) == [
        "config.json",
        "model-00001-of-00003.safetensors",
        "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors",
        "model.safetensors.index.json",
    ]


def test_reads_bin_files_written_by_torch(tmp_path):
    tensors = _stored(torch.bfloat16)
    os.makedirs(tmp_path / "single")
    (tmp_path / "single" / "config.json").write_text(json.dumps(CONFIG))
    torch.save(tensors, tmp_path / "single" / checkpoint.BIN)
    names = sorted(tensors)
    os.makedirs(tmp_path / "sharded")
    (tmp_path / "sharded" / "config.json").write_text(json.dumps(CONFIG))
    weight_map = {}
    for k, part in enumerate((names[:10], names[10:])):
        shard = f"pytorch_model-{k + 1:05d}-of-00002.bin"
        torch.save({n: tensors[n] for n in part}, tmp_path / "sharded" / shard)
        weight_map.update({n: shard for n in part})
    (tmp_path / "sharded" / checkpoint.BIN_INDEX).write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    for folder in ("single", "sharded"):
        _, weights = checkpoint.load(tmp_path / folder)
        assert all(torch.equal(weights[n], tensors[n]) for n in tensors)


def test_own_bin_writer_is_torch_loadable_and_deterministic(tmp_path):
    tensors = _stored(torch.float16)
    checkpoint.save(tmp_path / "a", CONFIG, tensors, "bin")
    checkpoint.save(tmp_path / "b", CONFIG, tensors, "bin")
    blob = (tmp_path / "a" / checkpoint.BIN).read_bytes()
    assert blob == (tmp_path / "b" / checkpoint.BIN).read_bytes()
    state = torch.load(tmp_path / "a" / checkpoint.BIN, weights_only=True)
    assert all(torch.equal(state[n], tensors[n]) for n in tensors)


def test_layout_preference_follows_hugging_face(tmp_path):
    checkpoint.save(tmp_path, CONFIG, _stored(torch.float32), "bin")
    checkpoint.save(tmp_path, CONFIG, _stored(torch.float16), "safetensors")
    assert checkpoint.read_tensors(tmp_path)["model.norm.weight"].dtype == torch.float16


def test_tied_embedding_replaces_a_stored_lm_head(tmp_path):
    config = dict(CONFIG, tie_word_embeddings=True)
    tensors = _stored(torch.float32, config, stored_lm_head=True)
    assert not torch.equal(tensors["lm_head.weight"], tensors["model.embed_tokens.weight"])
    checkpoint.save(tmp_path, config, tensors, "safetensors")
    _, weights = checkpoint.load(tmp_path)
    assert weights["lm_head.weight"] is weights["model.embed_tokens.weight"]


def _expect_error(tmp_path, tensors, message, config=CONFIG):
    checkpoint.save(tmp_path, config, tensors, "safetensors")
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(tmp_path)


def test_untied_model_needs_lm_head(tmp_path):
    tensors = _stored(torch.float32)
    del tensors["lm_head.weight"]
    _expect_error(tmp_path, tensors, r"missing weights: \['lm_head.weight'\]")


def test_kv_layer_needs_k_and_v(tmp_path):
    tensors = _stored(torch.float32)
    del tensors["model.layers.3.self_attn.v_proj.weight"]
    _expect_error(tmp_path, tensors, "layers.3.self_attn.v_proj")


def test_non_kv_layer_must_not_have_k_and_v(tmp_path):
    tensors = _stored(torch.float32)
    tensors["model.layers.1.self_attn.k_proj.weight"] = tensors["model.layers.3.self_attn.k_proj.weight"]
    _expect_error(tmp_path, tensors, "unexpected weights .*layers.1.self_attn.k_proj")


def test_rejects_wrong_shapes_and_dtypes(tmp_path):
    tensors = _stored(torch.float32)
    tensors["model.layers.0.mlp.up_proj.weight"] = tensors["model.layers.0.mlp.up_proj.weight"][:-1]
    _expect_error(tmp_path / "shape", tensors, "up_proj.weight: shape")
    tensors = _stored(torch.float32)
    tensors["model.norm.weight"] = tensors["model.norm.weight"].to(torch.float64)
    _expect_error(tmp_path / "dtype", tensors, "norm.weight: dtype")


def test_ignores_old_rope_buffers(tmp_path):
    tensors = _stored(torch.float32)
    tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.ones(8)
    checkpoint.save(tmp_path, CONFIG, tensors, "bin")
    _, weights = checkpoint.load(tmp_path)
    assert "model.layers.0.self_attn.rotary_emb.inv_freq" not in weights


def test_rejects_an_index_that_disagrees_with_its_shards(tmp_path):
    checkpoint.save(tmp_path, CONFIG, _stored(torch.float32), "safetensors-sharded")
    index = json.loads((tmp_path / checkpoint.SAFETENSORS_INDEX).read_text())
    index["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors"
    index["weight_map"]["model.layers.0.mlp.up_proj.weight"] = "model-00002-of-00002.safetensors"
    (tmp_path / checkpoint.SAFETENSORS_INDEX).write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="differently"):
        checkpoint.load(tmp_path)


def test_empty_folder(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    with pytest.raises(CheckpointError, match="no model.safetensors"):
        checkpoint.load(tmp_path)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_model_upcasts_stored_weights_exactly(tmp_path, dtype):
    tensors = _stored(dtype)
    checkpoint.save(tmp_path, CONFIG, tensors, "safetensors")
    model = Model.from_folder(tmp_path)
    for name, t in tensors.items():
        assert model.w[name].dtype == torch.float64
        assert torch.equal(model.w[name].to(dtype), t) and torch.equal(model.w[name], t.double())

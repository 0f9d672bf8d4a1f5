import json
import os
import shutil

import pytest
import torch

import generate_fixtures as gf
from lckv_ref import safetensors
from lckv_ref.model import Model

COMMITTED = os.path.normpath(gf.DEFAULT_OUT)
pytestmark = pytest.mark.skipif(not os.path.isdir(COMMITTED), reason="no committed fixtures")


def _manifests():
    with open(os.path.join(COMMITTED, "index.json")) as f:
        index = json.load(f)
    for entry in index["fixtures"]:
        with open(os.path.join(COMMITTED, entry["manifest"])) as f:
            yield entry, json.load(f)


def test_committed_fixtures_match_a_regeneration():
    assert gf.check(COMMITTED) is None


def test_fixtures_stay_small():
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(COMMITTED) for f in files)
    assert total <= 10 * 1024 * 1024


def test_index_lists_every_fixture_folder():
    listed = {entry["name"] for entry, _ in _manifests()}
    folders = {d for d in os.listdir(COMMITTED) if os.path.isdir(os.path.join(COMMITTED, d))}
    assert listed == folders == {f.name for f in gf.FIXTURES}


def test_manifests_describe_the_stored_tensors():
    families, dtypes, formats = set(), set(), set()
    for entry, manifest in _manifests():
        folder = os.path.join(COMMITTED, entry["name"])
        tensors, _ = safetensors.read(os.path.join(folder, manifest["goldens"]))
        families.add(manifest["family"])
        dtypes.add(manifest["dtype"])
        formats.add(manifest["format"])
        lengths = [p["length"] for p in manifest["prompts"]]
        assert {1, 5, manifest["M"], manifest["M"] + 1, 33} == set(lengths)
        for p in manifest["prompts"]:
            assert tensors[p["ids"]].dtype == torch.int64 and tensors[p["ids"]].shape == (p["length"],)
            for mode in ("reference", "exact"):
                logits = tensors[p[mode]["logits"]]
                assert logits.dtype == torch.float32 and logits.shape == (p["length"], 300)
        for key in ("decode", "streaming"):
            if key in manifest:
                run = manifest[key]
                assert tensors[run["logits"]].shape == (16, 300)
                assert torch.equal(tensors[run["next_ids"]], tensors[run["logits"]].argmax(-1))
                assert torch.equal(tensors[run["input_ids"]][1:], tensors[run["next_ids"]][:-1])
    assert {"float32", "float16", "bfloat16"} <= dtypes
    assert set(formats) == {"safetensors", "safetensors-sharded", "bin", "bin-sharded"}
    assert len(families) == len(gf.FIXTURES)


def test_sandwich_goldens_exercise_the_approximate_path():
    manifest = json.load(open(os.path.join(COMMITTED, "lckv-sandwich-bf16-sharded", "golden.json")))
    tensors, _ = safetensors.read(os.path.join(COMMITTED, "lckv-sandwich-bf16-sharded", "golden.safetensors"))
    long = next(p for p in manifest["prompts"] if p["length"] == 33)
    assert long["reference"]["passes"] == 3 and long["exact"]["passes"] == 33
    diff = (tensors[long["reference"]["logits"]] - tensors[long["exact"]["logits"]]).abs().amax(-1)
    assert float(diff[:3].max()) < 1e-5 and float(diff[3:].min()) > 1e-3
    streaming = tensors["streaming.logits"]
    # sinks 2 + window 8: the cache overflows at step 3 (5 prompt tokens + 3 generated)
    assert torch.equal(streaming[:3], tensors["decode.logits"][:3])
    assert (streaming[3] - tensors["decode.logits"][3]).abs().max() > 1e-4


def test_stored_checkpoints_reproduce_a_golden_in_float32():
    for entry, manifest in _manifests():
        folder = os.path.join(COMMITTED, entry["name"])
        tensors, _ = safetensors.read(os.path.join(folder, manifest["goldens"]))
        model = Model.from_folder(os.path.join(folder, manifest["checkpoint"]), torch.float32)
        prompt = next(p for p in manifest["prompts"] if p["length"] == 5)
        got = model.forward(model.new_cache(), tensors[prompt["ids"]], "exact")
        assert torch.allclose(got, tensors[prompt["exact"]["logits"]], rtol=0, atol=1e-4), entry["name"]


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "golden"
    shutil.copytree(COMMITTED, target)
    return target


def _edit(path, name, change):
    tensors, metadata = safetensors.read(path)
    tensors[name] = change(tensors[name].clone())
    safetensors.write(path, tensors, metadata)


def test_check_tolerates_tiny_logit_noise_only(copy):
    path = copy / "lckv-chain-bf16-safetensors" / "golden.safetensors"

    def nudge(delta):
        def change(t):
            t[0, 0] += delta
            return t

        return change

    _edit(path, "prompt_1.logits", nudge(2e-7))
    assert gf.first_difference(COMMITTED, copy) is None
    _edit(path, "prompt_1.logits", nudge(2e-6))
    assert "prompt_1.logits" in gf.first_difference(COMMITTED, copy)


def test_check_demands_exact_ids_and_files(copy):
    path = copy / "llama-plain-f32-safetensors" / "golden.safetensors"
    _edit(path, "decode.next_ids", lambda t: t.flip(0))
    assert "decode.next_ids" in gf.first_difference(COMMITTED, copy)
    shutil.copy(os.path.join(COMMITTED, "llama-plain-f32-safetensors", "golden.safetensors"), path)
    with open(copy / "lckv-all-top-f16-bin" / "checkpoint" / "config.json", "a") as f:
        f.write(" ")
    assert "lckv-all-top-f16-bin/checkpoint/config.json differs" == gf.first_difference(COMMITTED, copy)
    os.remove(copy / "lckv-all-top-f16-bin" / "checkpoint" / "config.json")
    assert "file sets differ" in gf.first_difference(COMMITTED, copy)


def test_main_exit_codes(copy, capsys):
    assert gf.main(["--check", "--out", str(copy)]) == 0
    os.remove(copy / "index.json")
    assert gf.main(["--check", "--out", str(copy)]) == 1
    assert "index.json" in capsys.readouterr().err

import json
import os
import subprocess
import sys

import pytest
import torch

from lckv_ref import checkpoint
from lckv_ref.__main__ import main
from lckv_ref.model import Model, greedy
from lckv_ref.synthetic import random_weights, stored_as, tiny_config


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt")
    d = tiny_config("0_3_3_3", force_nodiag=True, forward_passes=1, backward_passes=1, eos_token_id=[2, 7])
    checkpoint.save(path, d, stored_as(random_weights(d, 4), torch.bfloat16), "safetensors")
    return path


def run(capsys, *args):
    main([str(a) for a in args])
    return json.loads(capsys.readouterr().out)


def test_info(capsys, folder):
    out = run(capsys, "info", folder)
    assert out["kv_layers"] == [0, 3] and out["M"] == 2
    assert out["plan"] == [{"layers": [0, 0], "cyclic": False}, {"layers": [1, 3], "cyclic": True}]
    assert len(out["rope_inv_freq"]) == 8


def test_logits_match_the_model(capsys, folder):
    model = Model.from_folder(folder)
    want = model.forward(model.new_cache(), [5, 6, 7], "reference")
    out = run(capsys, "logits", folder, "--ids", "5,6,7", "--full", "--top", "3")
    assert out["passes"] == 2 and len(out["positions"]) == 3
    assert torch.equal(torch.tensor([p["logits"] for p in out["positions"]], dtype=torch.float64), want)
    assert [i for i, _ in out["positions"][2]["top"]] == want[2].topk(3).indices.tolist()
    exact = run(capsys, "logits", folder, "--ids", "5 6 7", "--mode", "exact")
    assert exact["passes"] == 3 and "logits" not in exact["positions"][0]


def test_generate_and_stop_at_eos(capsys, folder):
    model = Model.from_folder(folder)
    g = greedy(model, [9, 8, 7], 5)
    out = run(capsys, "generate", folder, "--ids", "9,8,7", "--steps", "5")
    assert out["generated"] == g.inputs.tolist() + [int(g.next_ids[-1])]
    assert [s["input"] for s in out["steps"]] == g.inputs.tolist()
    generated = out["generated"]
    # stopping needs an eos among the generated tokens: declare the third one an eos
    config = json.loads((folder / "config.json").read_text())
    other = folder.parent / "eos"
    os.makedirs(other, exist_ok=True)
    checkpoint.save(other, dict(config, eos_token_id=[generated[2]]), checkpoint.read_tensors(folder), "safetensors")
    first = generated.index(generated[2])
    stopped = run(capsys, "generate", other, "--ids", "9,8,7", "--steps", "5", "--stop-at-eos")
    assert stopped["generated"] == generated[: first + 1] and len(stopped["steps"]) == first


def test_runs_as_a_module(folder):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-m", "lckv_ref", "logits", str(folder), "--ids", "1,2", "--top", "1"], capture_output=True, text=True, env=env, check=True)
    assert len(json.loads(result.stdout)["positions"]) == 2


def test_rejects_half_a_streaming_request(folder):
    with pytest.raises(SystemExit):
        main(["generate", str(folder), "--ids", "1", "--sinks", "2"])

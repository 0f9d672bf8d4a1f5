#!/usr/bin/python3
"""Writes the golden fixtures other parts of LCKV Serve are tested against:
small random Hugging Face checkpoints and the reference's logits for them.

  /usr/bin/python3 converter/reference/generate_fixtures.py           # (re)write them
  /usr/bin/python3 converter/reference/generate_fixtures.py --check   # compare with the committed ones

The layout is described in converter/reference/README.md. Everything is derived from fixed seeds;
--check regenerates into a temporary folder and demands byte-identical files except for float
logits, which may differ by 1e-6 (float64 math libraries differ across machines)."""

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import torch

from lckv_ref import checkpoint, safetensors
from lckv_ref.model import Model, greedy
from lckv_ref.synthetic import random_weights, stored_as, tiny_config

FORMAT_VERSION = 1
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "golden")
LOGITS_TOLERANCE = 1e-6
DECODE_PROMPT = 5
DECODE_STEPS = 16
LONG_PROMPT = 33
# Greedy goldens are only useful if another implementation, computing in float32, picks the
# same tokens: a generator run fails rather than commit a near-tie.
MIN_MARGIN = 1e-4
# One float32 ulp is under 1e-6 only below 16 (see lckv_ref/synthetic.py).
MAX_LOGIT = 16.0
STREAMING = {"sinks": 2, "window": 8}
_DTYPE_NAMES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}
_ARCHITECTURES = {"llama": "LlamaForCausalLM", "lckv-llama": "LCKVLlamaForCausalLM", "opt-llama": "OptLlamaForCausalLM"}


@dataclass
class Fixture:
    name: str
    family: str
    description: str
    config: dict
    dtype: torch.dtype
    fmt: str
    streaming: bool = False
    stored_lm_head: bool = False


FIXTURES = [
    Fixture(
        "llama-plain-f32-safetensors",
        "plain-llama",
        "model_type llama, every layer reads itself; no cyclic group, so both modes agree",
        tiny_config(model_type="llama", layers=4),
        torch.float32,
        "safetensors",
        streaming=True,
    ),
    Fixture(
        "lckv-sandwich-bf16-sharded",
        "lckv-sandwich",
        "w2-style sandwich: layers 1-4 read layer 4, force_nodiag, M = 3 so 4+ token prompts differ between modes",
        tiny_config("0_4_4_4_4_5", layers=6, force_nodiag=True, forward_passes=2, backward_passes=1),
        torch.bfloat16,
        "safetensors-sharded",
        streaming=True,
    ),
    Fixture(
        "lckv-all-top-f16-bin",
        "lckv-all-read-top",
        "every layer reads the top layer (3_3_3_3), 1 KV head for 4 query heads, tied embeddings without a stored lm_head",
        tiny_config("3_3_3_3", layers=4, kv_heads=1, tie_word_embeddings=True),
        torch.float16,
        "bin",
    ),
    Fixture(
        "cla-pairs-bf16-bin-sharded",
        "cla-pairs",
        "CLA-style lower sharing 0_0_2_2_4_4 (no cyclic group), 4 KV heads for 4 query heads",
        tiny_config("0_0_2_2_4_4", layers=6, kv_heads=4),
        torch.bfloat16,
        "bin-sharded",
    ),
    Fixture(
        "lckv-window-f32-safetensors",
        "lckv-sliding-window",
        "0s_3s_3_3_0s with sliding_window 4: windowed self, top and lower readers; KV layer 0 has only windowed readers; M = 3",
        tiny_config("0s_3s_3_3_0s", layers=5, sliding_window=4, forward_passes=2, backward_passes=1),
        torch.float32,
        "safetensors",
        # Layer window 4 < StreamingLLM window 8: once the cache is full the sinks fall outside
        # the windowed layers' windows and must get no weight there.
        streaming=True,
    ),
    Fixture(
        "lckv-chain-bf16-safetensors",
        "lckv-chain",
        "chain 1_2_3_3_5_5: KV layers 1 and 2 themselves read higher layers; groups [0..3] and [4..5] cyclic; M = 3",
        tiny_config("1_2_3_3_5_5", layers=6, forward_passes=2, backward_passes=1),
        torch.bfloat16,
        "safetensors",
    ),
    Fixture(
        "opt-llama-f16-safetensors",
        "legacy-opt-llama",
        "legacy opt-llama codes 0_1_1_1_2_0 with target_layer -2 (maps to 0_4_4_4_4_5, force_nodiag); num_encoders 5 and num_trained_encoders 1 give M = 6",
        tiny_config("0_1_1_1_2_0", model_type="opt-llama", layers=6, target_layer=-2, num_encoders=5, num_trained_encoders=1, train_kv=False),
        torch.float16,
        "safetensors",
    ),
    Fixture(
        "lckv-rope-linear-bf16-tied",
        "lckv-rope-linear",
        "0_3_3_3 (nodiag only where reading up), linear rope scaling x4, tied embeddings with a stored lm_head.weight that must be IGNORED",
        tiny_config("0_3_3_3", layers=4, tie_word_embeddings=True, rope_scaling={"rope_type": "linear", "factor": 4.0}),
        torch.bfloat16,
        "safetensors",
        stored_lm_head=True,
    ),
    Fixture(
        "lckv-rope-llama3-f16-bin",
        "lckv-rope-llama3",
        "sandwich-middle 0_1_4_4_4_5, llama3 rope scaling whose kept/blended/slowed bands all occur at head_dim 16, explicit head_dim, eos list",
        tiny_config(
            "0_1_4_4_4_5",
            layers=6,
            head_dim=16,
            eos_token_id=[2, 3],
            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 256},
        ),
        torch.float16,
        "bin",
    ),
]


def _margins(logits):
    top = logits.topk(2, dim=-1).values
    return top[..., 0] - top[..., 1]


def _f32(t):
    return t.to(torch.float32).contiguous()


def _config_file(fixture):
    d = dict(fixture.config)
    d["architectures"] = [_ARCHITECTURES[d["model_type"]]]
    d["torch_dtype"] = _DTYPE_NAMES[fixture.dtype]
    return d


def _greedy_goldens(model, prompt, tensors, prefix, exact_prompt_logits, **streaming):
    g = greedy(model, prompt, DECODE_STEPS, "exact", **streaming)
    if not torch.equal(g.prefill_logits, exact_prompt_logits):
        raise AssertionError(f"{prefix}: prefill differs from the exact prompt logits")
    margins = torch.cat([_margins(g.prefill_logits[-1:]), _margins(g.logits)])
    if margins.min() < MIN_MARGIN:
        raise AssertionError(f"{prefix}: greedy near-tie (margin {float(margins.min()):.2e}); change the fixture's seed")
    tensors[f"{prefix}.input_ids"] = g.inputs
    tensors[f"{prefix}.logits"] = _f32(g.logits)
    tensors[f"{prefix}.next_ids"] = g.next_ids
    tensors[f"{prefix}.margins"] = _f32(margins)
    return {
        "prefill": {"prompt_length": len(prompt), "mode": "exact"},
        "first_input": "argmax of the prefill's last-position logits",
        "steps": DECODE_STEPS,
        "input_ids": f"{prefix}.input_ids",
        "logits": f"{prefix}.logits",
        "next_ids": f"{prefix}.next_ids",
        "margins": f"{prefix}.margins",
    }


def build(fixture, index, out):
    folder = os.path.join(out, fixture.name)
    ckpt = os.path.join(folder, "checkpoint")
    config_dict = _config_file(fixture)
    weights = stored_as(random_weights(fixture.config, seed=1000 + index, stored_lm_head=fixture.stored_lm_head), fixture.dtype)
    generation = {"_from_model_config": True, "bos_token_id": config_dict["bos_token_id"], "eos_token_id": config_dict["eos_token_id"]}
    checkpoint.save(ckpt, config_dict, weights, fixture.fmt, generation_config=generation, shards=3 if fixture.fmt == "safetensors-sharded" else 2)

    # Goldens come from the files just written, through the same loader the tests check.
    model = Model.from_folder(ckpt, torch.float64)
    c = model.config
    m = c.max_passes
    rng = np.random.Generator(np.random.PCG64(2000 + index))
    tensors, prompts, exact_by_length = {}, [], {}
    for n in sorted({1, DECODE_PROMPT, m, m + 1, LONG_PROMPT}):
        ids = torch.from_numpy(rng.integers(0, c.vocab_size, size=n))
        tensors[f"prompt_{n}.ids"] = ids
        logits = {mode: model.forward(model.new_cache(), ids, mode) for mode in ("reference", "exact")}
        exact_by_length[n] = logits["exact"]
        entry = {"length": n, "ids": f"prompt_{n}.ids"}
        shared = torch.equal(logits["reference"], logits["exact"])
        for mode, values in logits.items():
            if values.abs().max() >= MAX_LOGIT:
                raise AssertionError(f"{fixture.name}: |logit| reaches {float(values.abs().max()):.1f}")
            name = f"prompt_{n}.logits" if shared else f"prompt_{n}.{mode}.logits"
            tensors[name] = _f32(values)
            entry[mode] = {"passes": model.passes(n, mode), "logits": name}
        prompts.append(entry)

    prompt = tensors[f"prompt_{DECODE_PROMPT}.ids"]
    decode = _greedy_goldens(model, prompt, tensors, "decode", exact_by_length[DECODE_PROMPT])
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": fixture.name,
        "family": fixture.family,
        "description": fixture.description,
        "checkpoint": "checkpoint",
        "goldens": "golden.safetensors",
        "model_type": c.model_type,
        "dtype": _DTYPE_NAMES[fixture.dtype],
        "format": fixture.fmt,
        "layer_types": c.layer_types,
        "kv_layers": c.kv_layers,
        "force_nodiag": c.force_nodiag,
        "sliding_window": c.sliding_window,
        "iteration_plan": [{"layers": [g.start, g.end], "cyclic": g.cyclic} for g in c.plan()],
        "forward_passes": c.forward_passes,
        "backward_passes": c.backward_passes,
        "M": m,
        "tie_word_embeddings": c.tie_word_embeddings,
        "stored_lm_head_ignored": fixture.stored_lm_head,
        "compute": "float64 from exactly upcast stored weights; rope inv_freq and angles float32; logits rounded to float32",
        "prompts": prompts,
        "decode": decode,
    }
    if fixture.streaming:
        streaming = _greedy_goldens(model, prompt, tensors, "streaming", exact_by_length[DECODE_PROMPT], **STREAMING)
        streaming.update(STREAMING)
        streaming["eviction"] = (
            "before each call of n new tokens, if kept + n > window: keep the first `sinks` entries and the latest "
            "window - sinks - n; rope positions are indices within the kept cache"
        )
        manifest["streaming"] = streaming
    safetensors.write(os.path.join(folder, "golden.safetensors"), tensors, {"format": "pt"})
    _write_json(os.path.join(folder, "golden.json"), manifest)
    return {"name": fixture.name, "family": fixture.family, "dtype": _DTYPE_NAMES[fixture.dtype], "format": fixture.fmt, "manifest": f"{fixture.name}/golden.json"}


def generate(out):
    os.makedirs(out)
    entries = [build(fixture, index, out) for index, fixture in enumerate(FIXTURES)]
    _write_json(
        os.path.join(out, "index.json"),
        {
            "format_version": FORMAT_VERSION,
            "generator": "converter/reference/generate_fixtures.py",
            "regeneration_tolerance": {"float_tensors_abs": LOGITS_TOLERANCE, "everything_else": "byte-exact"},
            "fixtures": entries,
        },
    )


def _write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def first_difference(committed, fresh):
    """None when `fresh` holds what `committed` does, else a sentence naming the first
    differing file (and tensor)."""
    expected, actual = _files(committed), _files(fresh)
    if expected != actual:
        odd = sorted(set(actual) ^ set(expected))[0]
        return f"file sets differ: {odd} is only in the {'regenerated' if odd in actual else 'committed'} fixtures"
    for rel in expected:
        a, b = os.path.join(committed, rel), os.path.join(fresh, rel)
        if os.path.basename(rel) != "golden.safetensors":
            with open(a, "rb") as fa, open(b, "rb") as fb:
                if fa.read() != fb.read():
                    return f"{rel} differs"
            continue
        want, _ = safetensors.read(a)
        got, _ = safetensors.read(b)
        if sorted(want) != sorted(got):
            return f"{rel}: tensor names differ: {sorted(set(want) ^ set(got))}"
        for name in sorted(want):
            x, y = want[name], got[name]
            if x.dtype != y.dtype or x.shape != y.shape:
                return f"{rel}: {name}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}"
            if x.is_floating_point():
                worst = float((x.double() - y.double()).abs().max()) if x.numel() else 0.0
                if not worst <= LOGITS_TOLERANCE:
                    return f"{rel}: {name}: differs by {worst:.3g} > {LOGITS_TOLERANCE}"
            elif not torch.equal(x, y):
                return f"{rel}: {name}: values differ"
    return None


def check(committed):
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "golden")
        generate(fresh)
        return first_difference(committed, fresh)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture folder (default: converter/src/test/resources/golden)")
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare with --out")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = os.path.normpath(args.out)
    if args.check:
        difference = check(out)
        if difference:
            print(f"golden fixtures are stale or not reproducible: {difference}", file=sys.stderr)
            return 1
        print(f"golden fixtures in {out} match a fresh regeneration")
        return 0
    # Build beside the target and swap, so a failed run leaves the old fixtures intact and a
    # removed fixture does not linger.
    staging = out + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    generate(staging)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(staging, out)
    print(f"wrote {len(FIXTURES)} fixtures to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Writes a checkpoint with TinyLlama-1.1B's dimensions and random bfloat16 weights, sharded
safetensors + index, for the converter benchmark (docs/benchmarks.md). Nothing is trained: the
numbers only have to be the right size and type.

    /usr/bin/python3 converter/reference/make_large_checkpoint.py /tmp/lckv-1b [--llama]"""
import argparse
import json
import pathlib

import torch

from lckv_ref import safetensors
from lckv_ref.checkpoint import expected_shapes
from lckv_ref.config import parse_config
from lckv_ref.synthetic import tiny_config

LAYERS = 22
SHARD_BYTES = 1 << 30


def config_dict(llama):
    extra = {} if llama else {
        # the LCKV sandwich of the tiny model at this depth: layer 0 and the top layer keep their
        # own KV, every layer between reads layer 20's
        "layer_types": "_".join(["0"] + ["20"] * 20 + ["21"]),
        "forward_passes": 7, "backward_passes": 2, "force_nodiag": True,
    }
    d = tiny_config(model_type="llama" if llama else "lckv-llama", hidden=2048, layers=LAYERS,
                    heads=32, kv_heads=4, vocab=32000, intermediate=5632, **extra)
    d["torch_dtype"] = "bfloat16"
    return d


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=pathlib.Path)
    p.add_argument("--llama", action="store_true", help="a plain Llama config instead of LCKV")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=False)
    d = config_dict(args.llama)
    (args.out / "config.json").write_text(json.dumps(d, indent=1) + "\n")
    shapes = expected_shapes(parse_config(d))
    generator = torch.Generator().manual_seed(0)
    shards, current, size = [], {}, 0
    for name in sorted(shapes):
        tensor = (torch.randn(shapes[name], generator=generator) * 0.02).to(torch.bfloat16)
        current[name] = tensor
        size += tensor.numel() * 2
        if size >= SHARD_BYTES:
            shards.append(current)
            current, size = {}, 0
    if current:
        shards.append(current)
    weight_map = {}
    for i, shard in enumerate(shards):
        file = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        safetensors.write(args.out / file, shard, {"format": "pt"})
        weight_map.update({name: file for name in shard})
    total = sum(t.numel() * 2 for s in shards for t in s.values())
    (args.out / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=1) + "\n")
    print(f"wrote {len(shapes)} tensors, {total / 2**30:.2f} GiB in {len(shards)} shards to {args.out}")


if __name__ == "__main__":
    main()

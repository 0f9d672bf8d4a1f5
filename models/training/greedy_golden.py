"""Writes the greedy continuations the PyTorch reference (converter/reference) computes for the
embedded models, so the engine's end-to-end test can check that serving a model reproduces it:
reference-mode prefill of the prompt, then one exact step per token, up to the first eos.

    /usr/bin/python3 models/training/greedy_golden.py engine/src/test/resources/tiny-greedy-golden.json
    /usr/bin/python3 models/training/greedy_golden.py --check engine/src/test/resources/tiny-greedy-golden.json"""
import argparse
import json
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "converter" / "reference"))
import byte_bpe  # noqa: E402
from lckv_ref.model import greedy, Model  # noqa: E402

MODELS = ["lckv-tiny-w2", "llama-tiny"]
PROMPTS = ["The jury said", "In the morning, the", "He looked at her and"]
STEPS = 24


def case(model, tokenizer, prompt):
    ids = tokenizer.encode(prompt)
    run = greedy(model, ids, STEPS, prefill_mode="reference")
    rows = torch.cat([run.prefill_logits[-1:], run.logits[:-1]])
    tokens = run.inputs.tolist()
    if tokenizer.eos_id in tokens:
        cut = tokens.index(tokenizer.eos_id)
        tokens, rows = tokens[:cut], rows[:cut]
    top2 = rows.topk(2, dim=-1).values
    return {
        "prompt": prompt,
        "prompt_ids": ids,
        "generated_ids": tokens,
        "text": tokenizer.decode(tokens),
        # top-1 minus top-2 logit where each token was chosen: how far from a tie it is
        "min_margin": round(float((top2[:, 0] - top2[:, 1]).min()), 6),
    }


def golden():
    torch.set_num_threads(1)
    models = []
    for name in MODELS:
        folder = ROOT / "models" / name
        model = Model.from_folder(folder)
        tokenizer = byte_bpe.Tokenizer.from_json(json.loads((folder / "tokenizer.json").read_text()))
        models.append({"model": name, "cases": [case(model, tokenizer, p) for p in PROMPTS]})
    return json.dumps({"steps": STEPS, "prefill": "reference", "models": models},
                      ensure_ascii=False, indent=1) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=pathlib.Path)
    p.add_argument("--check", action="store_true", help="fail if OUT differs from what would be written")
    args = p.parse_args()
    text = golden()
    if args.check:
        if args.out.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{args.out} is not what {pathlib.Path(__file__).name} writes; regenerate it")
        return
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

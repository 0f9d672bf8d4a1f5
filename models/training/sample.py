"""Continues a few prompts with a trained model folder, computed by the PyTorch reference
(converter/reference), for the samples in docs/tiny-model.md.

    /usr/bin/python3 models/training/sample.py models/lckv-tiny-w2 --seed 1"""
import argparse
import json
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "converter" / "reference"))
import byte_bpe  # noqa: E402
from lckv_ref.model import Model  # noqa: E402

PROMPTS = ["The jury said", "In the morning, the", "He looked at her and"]


def continue_text(model, tokenizer, prompt, tokens, temperature, top_p, generator):
    cache = model.new_cache()
    ids = tokenizer.encode(prompt)
    logits = model.forward(cache, ids, "reference")[-1]
    out = []
    for _ in range(tokens):
        probs = torch.softmax(logits.double() / temperature, dim=-1)
        ranked, order = probs.sort(descending=True)
        keep = ranked.cumsum(0) - ranked < top_p
        choice = order[keep][torch.multinomial(ranked[keep] / ranked[keep].sum(), 1, generator=generator)].item()
        if choice == tokenizer.eos_id:
            break
        out.append(choice)
        logits = model.forward(cache, [choice], "exact")[-1]
    return prompt + tokenizer.decode(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=pathlib.Path)
    p.add_argument("--tokens", type=int, default=40)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(1)
    model = Model.from_folder(args.model, dtype=torch.float32)
    tokenizer = byte_bpe.Tokenizer.from_json(json.loads((args.model / "tokenizer.json").read_text()))
    generator = torch.Generator().manual_seed(args.seed)
    for prompt in PROMPTS:
        print(json.dumps(continue_text(model, tokenizer, prompt, args.tokens, args.temperature, args.top_p, generator)))


if __name__ == "__main__":
    main()

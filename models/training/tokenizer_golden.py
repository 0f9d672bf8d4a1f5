"""Writes the token ids our byte-level BPE gives a few texts (Brown sentences and awkward
strings), so the Java side can check that DJL's tokenizer encodes exactly as training did.

    /usr/bin/python3 models/training/tokenizer_golden.py models/lckv-tiny-w2/tokenizer.json \\
        engine/src/test/resources/tiny-tokenizer-golden.json"""
import json
import pathlib
import sys

import byte_bpe

TEXTS = [
    "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.",
    "It didn't matter; they'd already gone -- and we're sure you'll see why.",
    "  Two leading spaces, a tab\there, and\nnew lines\n\nbetween paragraphs.",
    "Numbers 1961, 3.14159 and 1,000,000 dollars.",
    "Café, naïve, Zürich, 東京, Ελληνικά and an emoji 🚀 split across byte tokens.",
    "",
]


def main(tokenizer_json, out):
    tokenizer = byte_bpe.Tokenizer.from_json(json.loads(pathlib.Path(tokenizer_json).read_text()))
    cases = []
    for text in TEXTS:
        ids = tokenizer.encode(text)
        if tokenizer.decode(ids) != text:
            raise SystemExit(f"round trip failed for {text!r}")
        cases.append({"text": text, "ids": ids})
    lines = [json.dumps(case, ensure_ascii=False) for case in cases]
    pathlib.Path(out).write_text('{"cases": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])

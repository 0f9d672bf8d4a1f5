"""Byte-level BPE: training on a corpus, encoding, and the Hugging Face `tokenizer.json` that
DJL's (Rust) tokenizers library loads, so the server tokenizes exactly as training did.

Pre-tokenization and the byte-to-character map follow what the Hugging Face ByteLevel
pre-tokenizer does, so merges learnt here apply to the same pieces at serving time."""
import collections
import json

import regex

# The ByteLevel pre-tokenizer's split: contractions, letters, digits, other symbols, spaces;
# a single leading space stays attached to the piece that follows it.
PIECE = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

END_OF_TEXT = "<|endoftext|>"


def byte_chars():
    """Printable stand-in character for each byte value (bytes that print as themselves keep
    their character; the others move to code points from 256 up)."""
    kept = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    chars = {}
    extra = 0
    for b in range(256):
        if b in kept:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


BYTE_CHARS = byte_chars()
CHAR_BYTES = {c: b for b, c in BYTE_CHARS.items()}


def pieces(text):
    """Pre-tokens of a text, each spelled in byte characters."""
    return ["".join(BYTE_CHARS[b] for b in p.encode("utf-8")) for p in PIECE.findall(text)]


def train(texts, vocab_size):
    """Learns merges until the vocabulary (special token + 256 bytes + merges) has vocab_size
    entries. Returns the ordered merge list."""
    words = collections.Counter()
    for text in texts:
        words.update(pieces(text))
    spelled = [list(w) for w in words]
    counts = list(words.values())

    pair_counts = collections.Counter()
    pair_words = collections.defaultdict(set)
    for i, symbols in enumerate(spelled):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += counts[i]
            pair_words[pair].add(i)

    merges = []
    target = vocab_size - 1 - 256
    while len(merges) < target and pair_counts:
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for i in list(pair_words.pop(best, ())):
            symbols = spelled[i]
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] -= counts[i]
                if pair_counts[pair] <= 0:
                    del pair_counts[pair]
            merged = []
            j = 0
            while j < len(symbols):
                if j + 1 < len(symbols) and symbols[j] == best[0] and symbols[j + 1] == best[1]:
                    merged.append(joined)
                    j += 2
                else:
                    merged.append(symbols[j])
                    j += 1
            spelled[i] = merged
            for pair in zip(merged, merged[1:]):
                pair_counts[pair] += counts[i]
                pair_words[pair].add(i)
        pair_counts.pop(best, None)
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.vocab = {END_OF_TEXT: 0}
        for b in range(256):
            self.vocab[BYTE_CHARS[b]] = len(self.vocab)
        for a, b in self.merges:
            self.vocab.setdefault(a + b, len(self.vocab))
        self.tokens = {i: t for t, i in self.vocab.items()}
        self.cache = {}

    @property
    def eos_id(self):
        return self.vocab[END_OF_TEXT]

    def _piece_ids(self, piece):
        ids = self.cache.get(piece)
        if ids is None:
            symbols = list(piece)
            while len(symbols) > 1:
                ranked = [(self.ranks.get(p, len(self.ranks)), k) for k, p in enumerate(zip(symbols, symbols[1:]))]
                rank, k = min(ranked)
                if rank == len(self.ranks):
                    break
                symbols[k:k + 2] = [symbols[k] + symbols[k + 1]]
            ids = [self.vocab[s] for s in symbols]
            self.cache[piece] = ids
        return ids

    def encode(self, text):
        return [i for p in pieces(text) for i in self._piece_ids(p)]

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            token = self.tokens[i]
            if token != END_OF_TEXT:
                data.extend(CHAR_BYTES[c] for c in token)
        return data.decode("utf-8", errors="replace")

    def to_json(self):
        """The Hugging Face tokenizer.json document."""
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{
                "id": self.eos_id, "content": END_OF_TEXT, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True,
            }],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": byte_level,
            "decoder": byte_level,
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    @classmethod
    def from_json(cls, document):
        return cls([tuple(m.split(" ")) for m in document["model"]["merges"]])

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)

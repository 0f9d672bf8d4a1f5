package io.lckv.engine.kv;

/**
 * How many entries a sequence's committed cache holds. Today every KV head of a sequence holds the
 * same entries ({@link Uniform}); Dynamic Memory Compression would give each KV head its own length,
 * which becomes another permitted record here rather than a change to every type that carries a
 * length.
 */
public sealed interface KvLength permits KvLength.Uniform {

  /** Entries of the longest head: what block accounting must cover. */
  int longest();

  /** Every head holds {@code tokens} entries. */
  record Uniform(int tokens) implements KvLength {
    public Uniform {
      if (tokens < 0) {
        throw new IllegalArgumentException("a cache length cannot be negative: " + tokens);
      }
    }

    @Override
    public int longest() {
      return tokens;
    }
  }
}

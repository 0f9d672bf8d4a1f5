package io.lckv.converter.graph;

/** Names of one KV layer's keys (after rope) and values for the new tokens, [B, n, KvH*D]. */
record Kv(String keys, String values) {}

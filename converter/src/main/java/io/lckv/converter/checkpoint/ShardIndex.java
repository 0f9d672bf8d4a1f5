package io.lckv.converter.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.lckv.converter.CheckpointException;
import io.lckv.converter.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Function;

/**
 * A sharded checkpoint: {@code *.index.json} whose {@code weight_map} names, for every tensor,
 * the shard file in the same folder that holds it. The index is the authority: a tensor it
 * places in a shard that lacks it, and a tensor a shard holds that it does not place there, are
 * both refused, since either means index and shards come from different saves.
 */
final class ShardIndex {

  private static final long MAX_INDEX_BYTES = 64L << 20;

  private ShardIndex() {}

  /**
   * Reads the index, then every shard it names once, with {@code readShard}, and returns the
   * tensors in index order.
   */
  static SequencedMap<String, Tensor> read(
      Path index, Function<Path, SequencedMap<String, Tensor>> readShard) {
    SequencedMap<String, String> weightMap = weightMap(index);
    var shards = new LinkedHashMap<String, SequencedMap<String, Tensor>>();
    for (String shard : weightMap.values()) {
      if (!shards.containsKey(shard)) {
        shards.put(shard, readShard.apply(shardFile(index, shard)));
      }
    }
    var tensors = new LinkedHashMap<String, Tensor>();
    for (Map.Entry<String, String> placed : weightMap.entrySet()) {
      Tensor tensor = shards.get(placed.getValue()).get(placed.getKey());
      if (tensor == null) {
        throw new CheckpointException(
            index, "places tensor " + CheckpointException.quote(placed.getKey()) + " in shard "
                + CheckpointException.quote(placed.getValue()) + ", which does not hold it");
      }
      tensors.put(placed.getKey(), tensor);
    }
    shards.forEach((shard, held) -> held.keySet().forEach(name -> {
      if (!shard.equals(weightMap.get(name))) {
        throw new CheckpointException(
            index, "does not place tensor " + CheckpointException.quote(name) + " in shard "
                + CheckpointException.quote(shard) + ", which holds it");
      }
    }));
    return tensors;
  }

  private static SequencedMap<String, String> weightMap(Path index) {
    JsonNode root;
    try {
      long size = Files.size(index);
      if (size > MAX_INDEX_BYTES) {
        throw new CheckpointException(
            index, "is " + size + " bytes, more than an index can need (" + MAX_INDEX_BYTES + ")");
      }
      root = StrictJson.parseObject(index, "the file", Files.readAllBytes(index));
    } catch (IOException e) {
      throw new CheckpointException(index, "cannot be read: " + e.getMessage(), e);
    }
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new CheckpointException(index, "weight_map must be a non-empty JSON object");
    }
    var weightMap = new LinkedHashMap<String, String>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      if (!e.getValue().isTextual()) {
        throw new CheckpointException(
            index, "weight_map entry " + CheckpointException.quote(e.getKey())
                + " must name a shard file");
      }
      weightMap.put(e.getKey(), e.getValue().textValue());
    }
    return weightMap;
  }

  /** Shards are plain files beside the index: no directories, no way out of the folder. */
  private static Path shardFile(Path index, String shard) {
    if (shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.contains("/")
        || shard.contains("\\") || shard.indexOf('\0') >= 0) {
      throw new CheckpointException(
          index, "names shard " + CheckpointException.quote(shard)
              + ", which is not a file name in the checkpoint folder");
    }
    Path file = index.resolveSibling(shard);
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(
          index, "names shard " + CheckpointException.quote(shard) + ", which does not exist");
    }
    return file;
  }
}

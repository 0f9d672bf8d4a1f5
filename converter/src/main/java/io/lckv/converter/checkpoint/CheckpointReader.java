package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SequencedMap;
import java.util.stream.Collectors;

/** Finds and opens the weights of a Hugging Face checkpoint folder. */
public final class CheckpointReader {

  /** In the order Hugging Face prefers them when a folder holds several. */
  private enum Layout {
    SAFETENSORS("model.safetensors"),
    SAFETENSORS_SHARDED("model.safetensors.index.json"),
    TORCH("pytorch_model.bin"),
    TORCH_SHARDED("pytorch_model.bin.index.json");

    final String fileName;

    Layout(String fileName) {
      this.fileName = fileName;
    }
  }

  private CheckpointReader() {}

  public static Checkpoint open(Path folder) {
    Layout layout = Arrays.stream(Layout.values())
        .filter(l -> Files.isRegularFile(folder.resolve(l.fileName)))
        .findFirst()
        .orElseThrow(() -> new CheckpointException(
            folder, "holds no weights: expected one of " + Arrays.stream(Layout.values())
                .map(l -> l.fileName).collect(Collectors.joining(", "))));
    Path file = folder.resolve(layout.fileName);
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      SequencedMap<String, Tensor> tensors = switch (layout) {
        case SAFETENSORS -> SafetensorsFile.read(file, opened);
        case SAFETENSORS_SHARDED ->
            ShardIndex.read(file, shard -> SafetensorsFile.read(shard, opened));
        case TORCH -> TorchArchive.read(file, opened);
        case TORCH_SHARDED -> ShardIndex.read(file, shard -> TorchArchive.read(shard, opened));
      };
      return new Checkpoint(file, tensors, opened);
    } catch (RuntimeException e) {
      try {
        Checkpoint.closeAll(opened);
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }
}

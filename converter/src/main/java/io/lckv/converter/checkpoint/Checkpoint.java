package io.lckv.converter.checkpoint;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The tensors of a checkpoint folder, by name, whatever format holds them. Owns the open files
 * and mappings behind the tensors' bytes: a tensor must not be read after {@link #close()}.
 *
 * @see CheckpointReader#open(Path)
 */
public final class Checkpoint implements AutoCloseable {

  private final Path origin;
  private final SequencedMap<String, Tensor> tensors;
  private final List<AutoCloseable> resources;

  Checkpoint(Path origin, SequencedMap<String, Tensor> tensors, List<AutoCloseable> resources) {
    this.origin = origin;
    this.tensors = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(tensors));
    this.resources = List.copyOf(resources);
  }

  /** The file that lists the tensor set: the single weight file or the shard index. */
  public Path origin() {
    return origin;
  }

  /** In file order (index order for sharded checkpoints). */
  public SequencedMap<String, Tensor> tensors() {
    return tensors;
  }

  public Optional<Tensor> find(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** Bytes of tensor data present, the budget a config's declared sizes must fit in. */
  public long totalTensorBytes() {
    return tensors.values().stream().mapToLong(t -> t.bytes().byteSize()).sum();
  }

  @Override
  public void close() {
    closeAll(resources);
  }

  /** Closes in reverse order of opening; the first failure is rethrown after all are closed. */
  static void closeAll(List<AutoCloseable> resources) {
    RuntimeException failure = null;
    for (AutoCloseable resource : resources.reversed()) {
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing a checkpoint file failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}

package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.PickleReader.Refusal;
import io.lckv.converter.checkpoint.PickleReader.Tuple;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * The meaning of a torch state-dict pickle: an allow-list of the few globals {@code torch.save}
 * writes for one, storages as persistent ids, and tensors rebuilt as views of them. Any other
 * global is refused when the pickle names it, so nothing a crafted pickle asks for is ever
 * looked up, let alone called.
 */
final class TorchPickle implements PickleReader.Hooks {

  /** The allow-list. Storage classes name a dtype; the rest are the callables torch uses. */
  enum Global {
    ORDERED_DICT("collections", "OrderedDict", null),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2", null),
    REBUILD_PARAMETER("torch._utils", "_rebuild_parameter", null),
    FLOAT_STORAGE("torch", "FloatStorage", DType.F32),
    HALF_STORAGE("torch", "HalfStorage", DType.F16),
    BFLOAT16_STORAGE("torch", "BFloat16Storage", DType.BF16);

    final String module;
    final String name;
    final DType storageType;

    Global(String module, String name, DType storageType) {
      this.module = module;
      this.name = name;
      this.storageType = storageType;
    }

    static Optional<Global> find(String module, String name) {
      return Arrays.stream(values())
          .filter(g -> g.module.equals(module) && g.name.equals(name))
          .findFirst();
    }

    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  /** A storage the archive holds as entry {@code data/<key>}: {@code numel} elements. */
  record StorageRef(String key, DType dtype, long numel) {}

  /** A tensor as the pickle describes it: a strided view of a storage. */
  record TensorView(StorageRef storage, long offset, Shape shape, long[] stride) {}

  /** Storage keys are file names inside the archive's data/ folder: keep them plain. */
  private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");

  private final Map<String, StorageRef> storages = new HashMap<>();

  private TorchPickle() {}

  /** The name → tensor view map the pickle holds; anything else is refused. */
  static SequencedMap<String, TensorView> stateDict(Path file, String entry, byte[] pickle) {
    Object root = new PickleReader(file, entry, pickle, new TorchPickle()).read();
    if (!(root instanceof Map<?, ?> map)) {
      throw new CheckpointException(
          file, entry + ": holds " + typeName(root) + ", not a state dict (name -> tensor)");
    }
    var tensors = new LinkedHashMap<String, TensorView>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorView view)) {
        throw new CheckpointException(
            file, entry + ": state dict entry " + e.getKey() + " is " + typeName(e.getValue())
                + ", not a tensor");
      }
      tensors.put(name, view);
    }
    return tensors;
  }

  @Override
  public Object global(String module, String name) {
    return Global.find(module, name).orElseThrow(() -> new Refusal(
        "refused global " + CheckpointException.quote(module + "." + name)
            + ": a state dict needs only OrderedDict, torch._utils rebuild functions and"
            + " Float/Half/BFloat16 storages"));
  }

  @Override
  public Object reduce(Object callable, Tuple args) {
    if (!(callable instanceof Global global)) {
      throw new Refusal("REDUCE of " + typeName(callable) + ", which is not an allowed callable");
    }
    return switch (global) {
      case ORDERED_DICT -> {
        if (args.size() != 0) {
          throw new Refusal("OrderedDict called with arguments");
        }
        yield new LinkedHashMap<>();
      }
      case REBUILD_TENSOR_V2 -> rebuildTensor(args);
      case REBUILD_PARAMETER -> {
        if (args.size() != 3 || !(args.get(0) instanceof TensorView view)) {
          throw new Refusal("_rebuild_parameter needs (tensor, requires_grad, hooks)");
        }
        yield view;
      }
      case FLOAT_STORAGE, HALF_STORAGE, BFLOAT16_STORAGE ->
          throw new Refusal("REDUCE of " + global + ", a storage type, which is not called");
    };
  }

  /** (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
  private static TensorView rebuildTensor(Tuple args) {
    if (args.size() != 6 && args.size() != 7) {
      throw new Refusal("_rebuild_tensor_v2 needs 6 or 7 arguments, got " + args.size());
    }
    if (!(args.get(0) instanceof StorageRef storage)) {
      throw new Refusal("_rebuild_tensor_v2 of " + typeName(args.get(0)) + ", not a storage");
    }
    if (!(args.get(1) instanceof Long offset) || offset < 0) {
      throw new Refusal("_rebuild_tensor_v2 storage offset is not a non-negative integer");
    }
    long[] size = longs(args.get(2), "size");
    long[] stride = longs(args.get(3), "stride");
    if (stride.length != size.length) {
      throw new Refusal("_rebuild_tensor_v2 size and stride differ in rank");
    }
    if (args.get(5) instanceof Map<?, ?> hooks && !hooks.isEmpty()) {
      throw new Refusal("_rebuild_tensor_v2 with backward hooks");
    }
    try {
      return new TensorView(storage, offset, new Shape(size), stride);
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw new Refusal("_rebuild_tensor_v2 size " + Arrays.toString(size) + " is not valid");
    }
  }

  private static long[] longs(Object value, String what) {
    if (!(value instanceof Tuple tuple)) {
      throw new Refusal("_rebuild_tensor_v2 " + what + " is not a tuple");
    }
    long[] longs = new long[tuple.size()];
    for (int i = 0; i < longs.length; i++) {
      if (!(tuple.get(i) instanceof Long l)) {
        throw new Refusal("_rebuild_tensor_v2 " + what + " holds " + typeName(tuple.get(i)));
      }
      longs[i] = l;
    }
    return longs;
  }

  /** ('storage', storage type, key, location, numel), as torch.save writes it. */
  @Override
  public Object persistentLoad(Object pid) {
    if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))
        || !(t.get(1) instanceof Global type) || type.storageType == null
        || !(t.get(2) instanceof String key) || !(t.get(3) instanceof String)
        || !(t.get(4) instanceof Long numel) || numel < 0) {
      throw new Refusal("persistent id is not ('storage', Float/Half/BFloat16Storage, key,"
          + " location, numel)");
    }
    if (!STORAGE_KEY.matcher(key).matches()) {
      throw new Refusal("storage key " + CheckpointException.quote(key)
          + " is not a plain name inside the archive");
    }
    var storage = new StorageRef(key, type.storageType, numel);
    StorageRef earlier = storages.putIfAbsent(key, storage);
    if (earlier != null && !earlier.equals(storage)) {
      throw new Refusal("storage " + key + " is declared twice with different types or sizes");
    }
    return storage;
  }

  /** Only the state OrderedDict's {@code _metadata} (module versions) arrives here; unused. */
  @Override
  public void build(Object target, Object state) {
    if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?>)) {
      throw new Refusal("BUILD of " + typeName(target) + " with " + typeName(state)
          + "; only an OrderedDict's attributes are expected");
    }
  }

  private static String typeName(Object value) {
    return switch (value) {
      case null -> "None";
      case Global g -> g.toString();
      case String s -> "the string " + CheckpointException.quote(s);
      case Tuple t -> "a tuple";
      case Map<?, ?> m -> "a dict";
      case TensorView v -> "a tensor";
      case StorageRef s -> "a storage";
      case Long l -> "the integer " + l;
      case Boolean b -> "a bool";
      case List<?> l -> "a list";
      default -> "a " + value.getClass().getSimpleName();
    };
  }
}

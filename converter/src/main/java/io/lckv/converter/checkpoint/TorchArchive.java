package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.TorchPickle.StorageRef;
import io.lckv.converter.checkpoint.TorchPickle.TensorView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads one {@code pytorch_model.bin} in torch's zip format: {@code <dir>/data.pkl} (the state
 * dict pickle) and one {@code <dir>/data/<key>} entry per storage. {@code <dir>} is "archive" or
 * the file's stem, depending on how it was saved. Storages are streamed per tensor on demand.
 */
final class TorchArchive {

  /**
   * A state dict's pickle is a few KB per hundred tensors; the cap also bounds the reader's
   * stack, which a pickle of two-byte memo fetches could otherwise grow fourfold.
   */
  private static final long MAX_PICKLE_BYTES = 16L << 20;
  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
  private static final int PICKLE_PROTO = 0x80;

  private TorchArchive() {}

  /** The archive's tensors; its ZipFile is added to {@code opened} for the checkpoint to close. */
  static SequencedMap<String, Tensor> read(Path file, List<AutoCloseable> opened) {
    checkMagic(file);
    ZipFile zip = openZip(file);
    opened.add(zip);
    String dir = recordsDir(file, zip);
    checkByteOrder(file, zip, dir);
    String pickleName = dir + "/data.pkl";
    SequencedMap<String, TensorView> views =
        TorchPickle.stateDict(file, pickleName, pickleBytes(file, zip, zip.getEntry(pickleName)));

    var tensors = new LinkedHashMap<String, Tensor>();
    for (Map.Entry<String, TensorView> e : views.entrySet()) {
      tensors.put(e.getKey(), tensor(file, zip, dir, e.getKey(), e.getValue()));
    }
    return tensors;
  }

  private static void checkMagic(Path file) {
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      int n = in.readNBytes(head, 0, head.length);
      if (n > 0 && (head[0] & 0xff) == PICKLE_PROTO) {
        throw new CheckpointException(
            file, "uses torch's legacy (pre-1.6) format; re-save it with torch.save or as"
                + " safetensors");
      }
      if (n < head.length || !Arrays.equals(head, ZIP_MAGIC)) {
        throw new CheckpointException(file, "is not a zip archive (torch.save format)");
      }
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static ZipFile openZip(Path file) {
    try {
      return new ZipFile(file.toFile());
    } catch (IOException e) {
      throw new CheckpointException(
          file, "is not a readable zip archive (truncated or damaged): " + e.getMessage(), e);
    }
  }

  /**
   * Checks every entry name, then finds the one folder holding data.pkl. Nothing is extracted,
   * but a name that climbs out of the archive marks a crafted file, so it is refused outright.
   */
  private static String recordsDir(Path file, ZipFile zip) {
    String dir = null;
    for (ZipEntry entry : zip.stream().toList()) {
      String name = entry.getName();
      if (name.startsWith("/") || name.contains("\\") || name.indexOf('\0') >= 0
          || name.indexOf(':') >= 0 || List.of(name.split("/")).contains("..")) {
        throw new CheckpointException(
            file, "entry " + CheckpointException.quote(name) + " points outside the archive");
      }
      int slash = name.indexOf('/');
      if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
        if (dir != null) {
          throw new CheckpointException(file, "holds more than one data.pkl");
        }
        dir = name.substring(0, slash);
      }
    }
    if (dir == null) {
      throw new CheckpointException(file, "holds no <folder>/data.pkl: not a torch.save archive");
    }
    return dir;
  }

  /** Newer torch records the byte order; every tensor here is read little-endian. */
  private static void checkByteOrder(Path file, ZipFile zip, String dir) {
    ZipEntry entry = zip.getEntry(dir + "/byteorder");
    if (entry == null) {
      return;
    }
    try (InputStream in = zip.getInputStream(entry)) {
      String order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
      if (!order.equals("little")) {
        throw new CheckpointException(
            file, dir + "/byteorder is " + CheckpointException.quote(order)
                + "; only little-endian archives are supported");
      }
    } catch (IOException e) {
      throw new CheckpointException(
          file, "cannot read " + entry.getName() + ": " + e.getMessage(), e);
    }
  }

  private static byte[] pickleBytes(Path file, ZipFile zip, ZipEntry entry) {
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] bytes = in.readNBytes((int) MAX_PICKLE_BYTES + 1);
      if (bytes.length > MAX_PICKLE_BYTES) {
        throw new CheckpointException(
            file, entry.getName() + " is larger than a state dict pickle can need ("
                + MAX_PICKLE_BYTES + " bytes)");
      }
      return bytes;
    } catch (IOException e) {
      throw new CheckpointException(
          file, "cannot read " + entry.getName() + " (truncated or damaged): " + e.getMessage(), e);
    }
  }

  private static Tensor tensor(Path file, ZipFile zip, String dir, String name, TensorView view) {
    String tensor = "tensor " + CheckpointException.quote(name);
    StorageRef storage = view.storage();
    String entryName = dir + "/data/" + storage.key();
    ZipEntry entry = zip.getEntry(entryName);
    if (entry == null) {
      throw new CheckpointException(
          file, tensor + " uses storage " + entryName + ", which the archive does not hold");
    }
    long storageBytes;
    try {
      storageBytes = Math.multiplyExact(storage.numel(), storage.dtype().byteSize());
    } catch (ArithmeticException e) {
      throw new CheckpointException(
          file, "storage " + storage.key() + " declares " + storage.numel()
              + " elements, too many");
    }
    if (entry.getSize() != storageBytes) {
      throw new CheckpointException(
          file, entryName + " holds " + entry.getSize() + " bytes but its storage declares "
              + storage.numel() + " " + storage.dtype() + " elements (" + storageBytes
              + " bytes)");
    }
    long count = view.shape().elementCount();
    if (count > storage.numel() - view.offset()) {
      throw new CheckpointException(
          file, tensor + " needs elements [" + view.offset() + ", " + view.offset() + " + "
              + count + ") of storage " + storage.key() + ", which has only " + storage.numel());
    }
    if (!isContiguous(view)) {
      throw new CheckpointException(
          file, tensor + " is not contiguous (shape " + view.shape() + ", stride "
              + Arrays.toString(view.stride()) + "); save it with .contiguous()");
    }
    int item = storage.dtype().byteSize();
    return new Tensor(
        name, storage.dtype(), view.shape(), file,
        new ZipEntryBytes(file, zip, entry, view.offset() * item, count * item));
  }

  /** Row-major with no gaps; a dimension of size 1 may carry any stride, as torch allows. */
  private static boolean isContiguous(TensorView view) {
    if (view.shape().elementCount() == 0) {
      return true;
    }
    long expected = 1;
    for (int axis = view.shape().rank() - 1; axis >= 0; axis--) {
      long size = view.shape().dim(axis);
      if (size != 1 && view.stride()[axis] != expected) {
        return false;
      }
      expected *= size;
    }
    return true;
  }
}

package io.lckv.converter.checkpoint;

import io.lckv.converter.CheckpointException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader for the opcodes {@code torch.save} writes for a state dict (protocol 2, plus
 * the protocol-4 framing, memo and string opcodes a newer writer may use). It never runs
 * anything: globals, calls, persistent ids and BUILD are handed to {@link Hooks}, which decide
 * what they stand for and refuse everything else. Any other opcode is refused.
 */
final class PickleReader {

  /** What the pickle's references mean. Each method throws {@link Refusal} to refuse. */
  interface Hooks {
    /** GLOBAL / STACK_GLOBAL: must refuse every name it does not know, before any use. */
    Object global(String module, String name);

    /** REDUCE: {@code callable(*args)}. */
    Object reduce(Object callable, Tuple args);

    /** BINPERSID: the object a persistent id stands for. */
    Object persistentLoad(Object pid);

    /** BUILD: {@code target.__setstate__(state)}. */
    void build(Object target, Object state);
  }

  /** A Python tuple; items may be null (None). */
  record Tuple(List<Object> items) {
    Tuple {
      items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    int size() {
      return items.size();
    }

    Object get(int index) {
      return items.get(index);
    }
  }

  /** Refuses the pickle; the reader adds the file, entry and byte offset. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refusal(String message) {
      super(message);
    }
  }

  private enum Mark { MARK }

  private final Path file;
  private final String entry;
  private final byte[] data;
  private final Hooks hooks;
  private final List<Object> stack = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private int pos;

  PickleReader(Path file, String entry, byte[] data, Hooks hooks) {
    this.file = file;
    this.entry = entry;
    this.data = data;
    this.hooks = hooks;
  }

  /** The unpickled top-level object. */
  Object read() {
    while (true) {
      int opAt = pos;
      try {
        int op = u8();
        if (op == '.') {
          return pop();
        }
        step(op);
      } catch (Refusal r) {
        throw new CheckpointException(file, entry + ": " + r.getMessage() + " (byte " + opAt + ")");
      }
    }
  }

  private void step(int op) {
    switch (op) {
      case 0x80 -> {
        int protocol = u8();
        if (protocol > 5) {
          throw new Refusal("pickle protocol " + protocol + " is newer than 5");
        }
      }
      case 0x95 -> skip(8); // FRAME: a length hint only
      case '(' -> stack.add(Mark.MARK);
      case '0' -> pop();
      case '1' -> popToMark();
      case 'N' -> stack.add(null);
      case 0x88 -> stack.add(Boolean.TRUE);
      case 0x89 -> stack.add(Boolean.FALSE);
      case 'K' -> stack.add((long) u8());
      case 'M' -> stack.add((long) (u8() | u8() << 8));
      case 'J' -> stack.add((long) s32());
      case 0x8a -> stack.add(long1());
      case 'X' -> stack.add(utf8(u32()));
      case 0x8c -> stack.add(utf8(u8()));
      case ')' -> stack.add(new Tuple(List.of()));
      case 't' -> stack.add(new Tuple(popToMark()));
      case 0x85, 0x86, 0x87 -> stack.add(new Tuple(popN(op - 0x84)));
      case ']' -> stack.add(new ArrayList<>());
      case 'a' -> list(peekBelow(1)).add(pop());
      case 'e' -> {
        List<Object> items = popToMark();
        list(peek()).addAll(items);
      }
      case '}' -> stack.add(new LinkedHashMap<>());
      case 's' -> {
        Object value = pop();
        Object key = pop();
        dict(peek()).put(key, value);
      }
      case 'u' -> {
        List<Object> items = popToMark();
        if (items.size() % 2 != 0) {
          throw new Refusal("SETITEMS with an odd number of items");
        }
        Map<Object, Object> dict = dict(peek());
        for (int i = 0; i < items.size(); i += 2) {
          dict.put(items.get(i), items.get(i + 1));
        }
      }
      case 'q' -> memo.put((long) u8(), peek());
      case 'r' -> memo.put(u32(), peek());
      case 0x94 -> memo.put((long) memo.size(), peek());
      case 'h' -> stack.add(memoGet(u8()));
      case 'j' -> stack.add(memoGet(u32()));
      case 'c' -> {
        String module = line();
        String name = line();
        stack.add(hooks.global(module, name));
      }
      case 0x93 -> {
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw new Refusal("STACK_GLOBAL needs two strings");
        }
        stack.add(hooks.global(m, n));
      }
      case 'R' -> {
        Object args = pop();
        Object callable = pop();
        if (!(args instanceof Tuple tuple)) {
          throw new Refusal("REDUCE arguments are not a tuple");
        }
        stack.add(hooks.reduce(callable, tuple));
      }
      case 'b' -> {
        Object state = pop();
        hooks.build(peek(), state);
      }
      case 'Q' -> stack.add(hooks.persistentLoad(pop()));
      default -> throw new Refusal(String.format(
          "pickle opcode 0x%02x%s is not one a state dict uses", op,
          op >= 0x21 && op < 0x7f ? " ('" + (char) op + "')" : ""));
    }
  }

  private Object memoGet(long index) {
    if (!memo.containsKey(index)) {
      throw new Refusal("memo slot " + index + " was never stored");
    }
    return memo.get(index);
  }

  private Object pop() {
    if (stack.isEmpty() || stack.getLast() == Mark.MARK) {
      throw new Refusal("stack underflow");
    }
    return stack.removeLast();
  }

  private Object peek() {
    return peekBelow(0);
  }

  private Object peekBelow(int depth) {
    int index = stack.size() - 1 - depth;
    if (index < 0 || stack.get(index) == Mark.MARK) {
      throw new Refusal("stack underflow");
    }
    return stack.get(index);
  }

  private List<Object> popN(int n) {
    var items = new ArrayList<Object>(n);
    for (int i = 0; i < n; i++) {
      items.addFirst(pop());
    }
    return items;
  }

  private List<Object> popToMark() {
    int mark = stack.lastIndexOf(Mark.MARK);
    if (mark < 0) {
      throw new Refusal("no MARK on the stack");
    }
    var items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
    stack.subList(mark, stack.size()).clear();
    return items;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object target) {
    if (target instanceof ArrayList<?> list) {
      return (List<Object>) list;
    }
    throw new Refusal("APPEND to something that is not a list");
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> dict(Object target) {
    if (target instanceof Map<?, ?> map) {
      return (Map<Object, Object>) map;
    }
    throw new Refusal("SETITEM on something that is not a dict");
  }

  private int u8() {
    need(1);
    return data[pos++] & 0xff;
  }

  private int s32() {
    need(4);
    int value = ByteBuffer.wrap(data, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    pos += 4;
    return value;
  }

  private long u32() {
    return Integer.toUnsignedLong(s32());
  }

  private void skip(long n) {
    need(n);
    pos += (int) n;
  }

  /** LONG1: a little-endian two's-complement integer of up to 8 bytes here. */
  private long long1() {
    int n = u8();
    if (n > 8) {
      throw new Refusal("integer of " + n + " bytes is too large");
    }
    need(n);
    long value = 0;
    for (int i = n - 1; i >= 0; i--) {
      value = value << 8 | (data[pos + i] & 0xff);
    }
    if (n > 0 && n < 8 && (data[pos + n - 1] & 0x80) != 0) {
      value -= 1L << (8 * n); // sign-extend
    }
    pos += n;
    return value;
  }

  private String utf8(long length) {
    need(length);
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(data, pos, (int) length))
          .toString();
      pos += (int) length;
      return text;
    } catch (CharacterCodingException e) {
      throw new Refusal("a string is not valid UTF-8");
    }
  }

  /** GLOBAL's operands: text up to a newline. */
  private String line() {
    int end = pos;
    while (end < data.length && data[end] != '\n') {
      end++;
    }
    if (end == data.length) {
      throw new Refusal("GLOBAL name runs past the end of the pickle");
    }
    String text = utf8(end - pos);
    pos++;
    return text;
  }

  private void need(long n) {
    if (n > data.length - pos) {
      throw new Refusal("the pickle ends early");
    }
  }
}

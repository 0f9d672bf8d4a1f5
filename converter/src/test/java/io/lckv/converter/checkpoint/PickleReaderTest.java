package io.lckv.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.CheckpointException;
import io.lckv.converter.checkpoint.PickleReader.Tuple;
import io.lckv.converter.fixtures.PickleWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PickleReaderTest {

  /** Hooks that record what they are asked and allow one global, "m.f". */
  private static final class Recording implements PickleReader.Hooks {
    final List<String> globals = new ArrayList<>();

    @Override
    public Object global(String module, String name) {
      globals.add(module + "." + name);
      if (!(module + "." + name).equals("m.f")) {
        throw new PickleReader.Refusal("refused " + module + "." + name);
      }
      return "callable";
    }

    @Override
    public Object reduce(Object callable, Tuple args) {
      return List.of(callable, args);
    }

    @Override
    public Object persistentLoad(Object pid) {
      return "loaded " + pid;
    }

    @Override
    public void build(Object target, Object state) {}
  }

  private static Object read(byte[] pickle) {
    return new PickleReader(Path.of("x.bin"), "data.pkl", pickle, new Recording()).read();
  }

  @Test
  void readsScalarsOfEveryWidth() {
    var p = new PickleWriter().proto(2).mark().integer(7).integer(300).integer(-5)
        .integer(1L << 40).op(0x8a).op(1).op(0xff).op('N').op(0x88).str("é").tuple().stop();
    assertEquals(new Tuple(java.util.Arrays.asList(7L, 300L, -5L, 1L << 40, -1L, null, true, "é")),
        read(p.bytes()));
  }

  @Test
  void memoAndContainersWork() {
    var p = new PickleWriter().proto(4).op(']').op(0x94).shortStr("a").op('a')
        .op('h').op(0).op(0x86).op('}').str("k").str("v").op('s').op(0x86).stop();
    Object result = read(p.bytes());
    Tuple outer = (Tuple) result;
    Tuple pair = (Tuple) outer.get(0);
    assertEquals(List.of("a"), pair.get(0));
    assertTrue(pair.get(0) == pair.get(1), "the memo returns the same list");
    assertEquals(Map.of("k", "v"), outer.get(1));
  }

  @Test
  void reduceAndPersistentIdsGoToTheHooks() {
    var p = new PickleWriter().proto(2).global("m", "f").mark().str("x").op('Q').tuple().reduce()
        .stop();
    assertEquals(List.of("callable", new Tuple(List.of("loaded x"))), read(p.bytes()));
  }

  @Test
  void refusalsNameFileEntryAndOffset() {
    var p = new PickleWriter().proto(2).global("os", "system");
    var e = assertThrows(CheckpointException.class, () -> read(p.stop().bytes()));
    assertEquals("x.bin: data.pkl: refused os.system (byte 2)", e.getMessage());
  }

  @Test
  void noneIsNull() {
    assertNull(read(new PickleWriter().op('N').stop().bytes()));
  }
}

package io.lckv.converter.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.golden.GoldenFixtures;
import io.lckv.converter.model.ValidatedModel;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of spec §4-§5 that hold whatever the goldens say, on the fixtures' checkpoints.
 * Where two ways of computing must agree they agree to the bit: each dot product and softmax
 * runs the same operations whether its token is alone in the call or not.
 */
class ReferenceSessionTest {

  /** 0_4_4_4_4_5 with force_nodiag and M = 3: reference and exact differ beyond 3 tokens. */
  private static final String SANDWICH = "lckv-sandwich-bf16-sharded";

  static ReferenceModel open(String fixture) {
    try (ValidatedModel checkpoint =
        ValidatedModel.open(GoldenFixtures.named(fixture).load().checkpoint())) {
      return ReferenceModel.load(checkpoint);
    }
  }

  private static int[] ids(int n) {
    return IntStream.range(0, n).map(i -> (i * 37 + 11) % 300).toArray();
  }

  private static double maxDifference(Logits a, Logits b) {
    assertEquals(a.positions(), b.positions());
    double worst = 0;
    for (int t = 0; t < a.positions(); t++) {
      double[] x = a.row(t);
      double[] y = b.row(t);
      for (int k = 0; k < x.length; k++) {
        worst = Math.max(worst, Math.abs(x[k] - y[k]));
      }
    }
    return worst;
  }

  private static Logits rows(Logits... oneRowEach) {
    return new Logits(Arrays.stream(oneRowEach).map(l -> l.row(0)).toArray(double[][]::new));
  }

  @ParameterizedTest
  @ValueSource(strings = {SANDWICH, "lckv-chain-bf16-safetensors", "lckv-window-f32-safetensors",
      "lckv-all-top-f16-bin", "lckv-rope-llama3-f16-bin"})
  void exactPrefillEqualsTokenByTokenDecoding(String fixture) {
    int[] prompt = ids(12);
    try (ReferenceModel model = open(fixture)) {
      Logits prefill = model.newSession().forward(prompt, PassCount.EXACT);
      ReferenceSession stepwise = model.newSession();
      Logits decoded = rows(Arrays.stream(prompt).mapToObj(stepwise::decode)
          .toArray(Logits[]::new));
      assertEquals(0, maxDifference(prefill, decoded));
      assertEquals(12, stepwise.cacheLength());
    }
  }

  @Test
  void exactPrefillInChunksEqualsOneCall() {
    int[] prompt = ids(12);
    try (ReferenceModel model = open(SANDWICH)) {
      Logits whole = model.newSession().forward(prompt, PassCount.EXACT);
      ReferenceSession chunked = model.newSession();
      Logits first = chunked.forward(Arrays.copyOfRange(prompt, 0, 5), PassCount.EXACT);
      Logits rest = chunked.forward(Arrays.copyOfRange(prompt, 5, 12), PassCount.EXACT);
      double[][] joined = new double[12][];
      for (int t = 0; t < 12; t++) {
        joined[t] = t < 5 ? first.row(t) : rest.row(t - 5);
      }
      assertEquals(0, maxDifference(whole, new Logits(joined)));
    }
  }

  @Test
  void referenceEqualsExactUpToMPasses() {
    try (ReferenceModel model = open(SANDWICH)) {
      int m = model.config().passes().maxPasses();
      for (int n = 1; n <= m; n++) {
        assertEquals(0, maxDifference(model.newSession().forward(ids(n), PassCount.REFERENCE),
            model.newSession().forward(ids(n), PassCount.EXACT)), n + " tokens");
      }
    }
  }

  @Test
  void beyondMReferenceRunsMPassesAndDiffersFromExact() {
    try (ReferenceModel model = open(SANDWICH)) {
      int m = model.config().passes().maxPasses();
      int[] prompt = ids(m + 4);
      Logits reference = model.newSession().forward(prompt, PassCount.REFERENCE);
      Logits exact = model.newSession().forward(prompt, PassCount.EXACT);
      assertEquals(0, maxDifference(reference,
          model.newSession().forward(prompt, PassCount.fixed(m))));
      assertEquals(0, maxDifference(exact,
          model.newSession().forward(prompt, PassCount.fixed(prompt.length))));
      assertTrue(maxDifference(reference, exact) > 1e-6, "M passes are approximate here");
      assertArrayEquals(reference.row(m - 1), exact.row(m - 1), "the first M positions are exact");
    }
  }

  @Test
  void streamingWithRoomForEverythingIsPlainDecoding() {
    try (ReferenceModel model = open(SANDWICH)) {
      ReferenceSession plain = model.newSession();
      ReferenceSession streaming = model.newSession(new StreamingLlm(2, 20));
      assertEquals(0, maxDifference(plain.forward(ids(5), PassCount.EXACT),
          streaming.forward(ids(5), PassCount.EXACT)));
      for (int token : ids(15)) {
        assertEquals(0, maxDifference(plain.decode(token), streaming.decode(token)));
      }
      assertEquals(20, streaming.cacheLength());
    }
  }

  @Test
  void streamingKeepsTheWindowFull() {
    try (ReferenceModel model = open(SANDWICH)) {
      ReferenceSession session = model.newSession(new StreamingLlm(2, 8));
      session.forward(ids(7), PassCount.EXACT);
      assertEquals(7, session.cacheLength());
      session.forward(ids(3), PassCount.EXACT);
      assertEquals(8, session.cacheLength(), "2 sinks + 3 latest + 3 new");
      session.decode(5);
      assertEquals(8, session.cacheLength());
    }
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreRefused() {
    try (ReferenceModel model = open(SANDWICH)) {
      ReferenceSession session = model.newSession();
      var high = assertThrows(IllegalArgumentException.class,
          () -> session.forward(new int[] {1, 2, 300}, PassCount.REFERENCE));
      assertEquals("token id 300 at index 2 is outside the vocabulary [0, 300)", high.getMessage());
      var negative = assertThrows(IllegalArgumentException.class, () -> session.decode(-1));
      assertEquals("token id -1 at index 0 is outside the vocabulary [0, 300)",
          negative.getMessage());
      assertEquals(0, session.cacheLength());
    }
  }

  @Test
  void anEmptyCallIsRefused() {
    try (ReferenceModel model = open(SANDWICH)) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> model.newSession().forward(new int[0], PassCount.EXACT));
      assertEquals("no tokens to process: a call needs at least one token id", e.getMessage());
    }
  }

  @Test
  void aSpanLargerThanTheStreamingWindowAllowsIsRefusedAndChangesNothing() {
    try (ReferenceModel model = open(SANDWICH)) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> model.newSession(new StreamingLlm(2, 8)).forward(ids(9), PassCount.EXACT));
      assertEquals("9 new tokens do not fit a StreamingLLM window of 8 entries with 2 sinks:"
          + " at most 6 can be added to a full cache in one call", e.getMessage());

      ReferenceSession session = model.newSession(new StreamingLlm(2, 8));
      ReferenceSession twin = model.newSession(new StreamingLlm(2, 8));
      session.forward(ids(8), PassCount.EXACT);
      twin.forward(ids(8), PassCount.EXACT);
      assertThrows(IllegalArgumentException.class, () -> session.forward(ids(7), PassCount.EXACT));
      assertEquals(8, session.cacheLength());
      assertEquals(0, maxDifference(twin.forward(ids(6), PassCount.EXACT),
          session.forward(ids(6), PassCount.EXACT)), "the refused call left no trace");
    }
  }

  @Test
  void impossibleSettingsAreRefused() {
    assertEquals("a cyclic group needs at least one pass, got 0",
        assertThrows(IllegalArgumentException.class, () -> PassCount.fixed(0)).getMessage());
    assertEquals("StreamingLLM needs 0 <= sinks < window, got sinks 8 and window 8",
        assertThrows(IllegalArgumentException.class, () -> new StreamingLlm(8, 8)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new StreamingLlm(-1, 8));
  }

  @Test
  void decodeChoosesTheFirstOfEqualMaxima() {
    Logits logits = new Logits(new double[][] {{1, 3, 3, 2}, {0, 0, 0, 0}});
    assertEquals(1, logits.argmax(0));
    assertEquals(0, logits.argmax(1));
    assertNotEquals(logits.row(0), logits.row(0), "rows are copies");
  }
}

package io.lckv.converter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LayerLayoutTest {

  /** Builds the layout of a layer_types string the way the reader does after parsing. */
  private static LayerLayout layout(String layerTypes, boolean forceNodiag, OptionalInt window) {
    List<LayerType> types = Arrays.stream(layerTypes.split("_"))
        .map(t -> new LayerType(Integer.parseInt(t.replace("s", "")), t.endsWith("s")))
        .toList();
    return LayerLayout.of(types, forceNodiag, window);
  }

  private static LayerLayout layout(String layerTypes) {
    return layout(layerTypes, false, OptionalInt.of(4096));
  }

  private static LayerGroup once(int first, int last) {
    return new LayerGroup.Once(first, last);
  }

  private static LayerGroup cyclic(int first, int last, Integer... kv) {
    return new LayerGroup.Cyclic(first, last, List.of(kv));
  }

  @Test
  void plainLlamaIsOneGroupRunOnceWithEveryLayerAKvLayer() {
    LayerLayout l = layout("0_1_2_3");
    assertEquals(List.of(0, 1, 2, 3), l.kvLayers());
    assertEquals(List.of(once(0, 3)), l.plan().groups());
    assertTrue(l.layers().stream().noneMatch(Layer::nodiag));
  }

  @Test
  void w2SplitsIntoFirstLayerCyclicMiddleAndLastLayer() {
    String w2 = "0_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_20_21";
    LayerLayout l = layout(w2, true, OptionalInt.of(4096));
    assertEquals(List.of(0, 20, 21), l.kvLayers());
    assertEquals(List.of(once(0, 0), cyclic(1, 20, 20), once(21, 21)), l.plan().groups());
    assertTrue(l.layer(1).top());
    assertFalse(l.layer(20).top());
    assertTrue(l.layers().stream().allMatch(Layer::nodiag), "force_nodiag");
  }

  @Test
  void w10KeepsTheBottomFiveAndTopFiveAsStandardLayers() {
    String w10 = "0_1_2_3_4_16_16_16_16_16_16_16_16_16_16_16_16_17_18_19_20_21";
    LayerLayout l = layout(w10, true, OptionalInt.of(4096));
    assertEquals(List.of(0, 1, 2, 3, 4, 16, 17, 18, 19, 20, 21), l.kvLayers());
    assertEquals(List.of(once(0, 4), cyclic(5, 16, 16), once(17, 21)), l.plan().groups());
  }

  @Test
  void aChainGrowsTheCyclicEdgeTwice() {
    LayerLayout l = layout("1_2_3_3_5_5");
    assertEquals(List.of(1, 2, 3, 5), l.kvLayers());
    assertEquals(List.of(cyclic(0, 3, 1, 2, 3), cyclic(4, 5, 5)), l.plan().groups());
    assertEquals(l.plan().groups().get(0), l.plan().groupOf(2));
  }

  @Test
  void claPairsReadALowerLayerAndNeedNoCyclicGroup() {
    LayerLayout l = layout("0_0_2_2_4_4");
    assertEquals(List.of(0, 2, 4), l.kvLayers());
    assertEquals(List.of(once(0, 5)), l.plan().groups());
    assertFalse(l.layer(1).nodiag(), "reading a lower layer keeps the diagonal");
  }

  @Test
  void sandwichMiddleReadsOneLayerNearTheTop() {
    LayerLayout l = layout("0_1_5_5_5_5_6_7");
    assertEquals(List.of(once(0, 1), cyclic(2, 5, 5), once(6, 7)), l.plan().groups());
    assertEquals(List.of(2, 3, 4, 5), l.readers(5).stream().map(Layer::index).toList());
  }

  @Test
  void windowsBelongToTheReadingLayer() {
    LayerLayout l = layout("0s_0_2s_2s", false, OptionalInt.of(3));
    assertEquals(OptionalInt.of(3), l.layer(0).window());
    assertEquals(OptionalInt.empty(), l.layer(1).window());
    assertEquals(OptionalInt.empty(), l.cacheWindow(0), "an unwindowed reader keeps everything");
    assertEquals(OptionalInt.of(3), l.cacheWindow(2));
  }

  @Test
  void aNullSlidingWindowLeavesSLayersUnwindowed() {
    LayerLayout l = layout("0s_1s", false, OptionalInt.empty());
    assertEquals(OptionalInt.empty(), l.layer(0).window());
    assertEquals(OptionalInt.empty(), l.cacheWindow(1));
  }

  @Test
  void nodiagFollowsTopUnlessForced() {
    LayerLayout l = layout("0_2_2");
    assertFalse(l.layer(0).nodiag());
    assertTrue(l.layer(1).nodiag());
    assertFalse(l.layer(2).nodiag());
  }

  @Test
  void referencePassesAreExactUpToMThenCapped() {
    var passes = new PassSchedule(7, 2, false);
    assertEquals(9, passes.maxPasses());
    assertEquals(1, passes.referencePasses(1));
    assertEquals(9, passes.referencePasses(9));
    assertEquals(9, passes.referencePasses(500));
    assertEquals(500, new PassSchedule(7, 2, true).referencePasses(500));
    assertEquals(8, new PassSchedule(7, 0, false).maxPasses(), "max(b, 1)");
  }
}

package io.lckv.converter.graph;

import onnx.Onnx.TensorProto;

/**
 * Rotary position embedding in the graph (spec §3): {@code angle = float(position) × inv_freq}
 * in float32 as Hugging Face forms it, computed once per step, and the rotate-half rotation of
 * every query and key: {@code (x1, x2) → (x1 cos − x2 sin, x2 cos + x1 sin)}.
 *
 * @param cos cos of the angles, {@code [B, n, 1, D/2]} (broadcast over heads)
 * @param sin sin of the angles, likewise
 */
record Rope(String cos, String sin, int headDim) {

  static Rope of(OnnxGraph main, String positions, String invFreq, int headDim) {
    String angles = main.mul(
        main.unsqueeze(main.cast(positions, TensorProto.DataType.FLOAT), -1), invFreq);
    String perHead = main.unsqueeze(angles, 2);
    return new Rope(main.op("Cos", perHead), main.op("Sin", perHead), headDim);
  }

  /** Rotates {@code x [B, n, heads*D]}. */
  String rotate(OnnxGraph graph, String x, int heads) {
    String split = graph.reshape(x, 0, 0, heads, headDim);
    String[] halves = graph.node("Split").in(split).attr("axis", -1L)
        .attr("num_outputs", 2L).outs(2);
    String first = graph.sub(graph.mul(halves[0], cos), graph.mul(halves[1], sin));
    String second = graph.add(graph.mul(halves[1], cos), graph.mul(halves[0], sin));
    return graph.reshape(graph.concat(-1, first, second), 0, 0, (long) heads * headDim);
  }
}

package io.lckv.converter.graph;

import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.Layer;
import io.lckv.converter.config.LayerLayout;
import io.lckv.converter.model.KvProjection;
import io.lckv.converter.model.LayerWeights;
import io.lckv.nativeops.OpLibrary;
import java.util.Optional;
import java.util.function.IntFunction;
import onnx.Onnx.TensorProto;

/**
 * One pre-norm Llama block with LCKV attention (spec §3), written into a graph: the main graph
 * for layers of run-once groups, a Loop body for layers of cyclic groups.
 */
final class DecoderLayer {

  /**
   * What writing a layer produced.
   *
   * @param fresh this layer's own KV of this pass, when it is a KV layer
   * @param attention the attention output: it orders the commit of the KV layer read after the
   *     read
   */
  record Written(String hidden, Optional<Kv> fresh, String attention) {}

  private final Dimensions dims;
  private final LayerLayout layout;
  private final float rmsNormEps;
  private final WeightCodec codec;
  private final WeightWriter writer;
  private final StepValues step;

  DecoderLayer(Dimensions dims, LayerLayout layout, float rmsNormEps, WeightCodec codec,
      WeightWriter writer, StepValues step) {
    this.dims = dims;
    this.layout = layout;
    this.rmsNormEps = rmsNormEps;
    this.codec = codec;
    this.writer = writer;
    this.step = step;
  }

  /**
   * Writes layer {@code layer.index()} on hidden state {@code h}; {@code kvOf} names the KV a
   * source layer other than this one offers at this point (committed-cache-relative working or
   * final KV, as the caller's group semantics decide).
   */
  Written write(OnnxGraph graph, LayerWeights weights, Layer layer, String h,
      IntFunction<Kv> kvOf) {
    graph.scope("layers." + layer.index());
    String x = rmsNorm(graph, h, writer.float32(weights.inputNorm()));
    String q = step.rope().rotate(graph, codec.linear(graph, x, weights.qProj()), dims.numHeads());
    Optional<Kv> fresh = weights.kv().map(kv -> project(graph, x, kv));
    Kv read = layer.source() == layer.index() ? fresh.orElseThrow() : kvOf.apply(layer.source());
    String attention = step.ropeAttributes(graph.node("Attention").domain(OpLibrary.DOMAIN)
        .in(q, read.keys(), read.values(), step.pool(), step.blockTable(), step.cacheLens())
        .in(step.layout())
        .attr("kv_layer", (long) layout.kvLayers().indexOf(layer.source()))
        .attr("num_heads", (long) dims.numHeads())
        .attr("num_kv_heads", (long) dims.numKvHeads())
        .attr("head_dim", (long) dims.headDim())
        .attr("nodiag", layer.nodiag() ? 1L : 0L)
        .attr("window", (long) layer.window().orElse(0)))
        .out();
    String afterAttention = graph.add(h, codec.linear(graph, attention, weights.oProj()));
    String y = rmsNorm(graph, afterAttention, writer.float32(weights.postAttentionNorm()));
    String gate = codec.linear(graph, y, weights.gateProj());
    String silu = graph.mul(gate, graph.op("Sigmoid", gate));
    String up = codec.linear(graph, y, weights.upProj());
    String down = codec.linear(graph, graph.mul(silu, up), weights.downProj());
    String out = graph.add(afterAttention, down);
    graph.scope("");
    return new Written(out, fresh, attention);
  }

  /**
   * RMSNorm in float32 as one ORT kernel (com.microsoft's SimplifiedLayerNormalization, which ORT
   * registers in the ONNX domain): spec §3's formula, no dependence on a fusion pass matching a
   * hand-written Pow/ReduceMean/Sqrt chain, and a kernel in both the CPU and CUDA EPs.
   */
  String rmsNorm(OnnxGraph graph, String x, String weight) {
    return graph.node("SimplifiedLayerNormalization").in(x, weight)
        .attr("axis", -1L)
        .attr("epsilon", rmsNormEps)
        .attr("stash_type", (long) TensorProto.DataType.FLOAT_VALUE)
        .out();
  }

  private Kv project(OnnxGraph graph, String x, KvProjection kv) {
    String keys = step.rope().rotate(graph, codec.linear(graph, x, kv.kProj()),
        dims.numKvHeads());
    return new Kv(keys, codec.linear(graph, x, kv.vProj()));
  }
}

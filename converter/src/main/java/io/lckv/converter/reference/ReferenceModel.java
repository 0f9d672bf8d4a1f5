package io.lckv.converter.reference;

import io.lckv.converter.checkpoint.Tensor;
import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.LayerGroup;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.model.LayerWeights;
import io.lckv.converter.model.ModelWeights;
import io.lckv.converter.model.ValidatedModel;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A plain-Java evaluator of an LCKV checkpoint (spec §3-§5), the oracle {@code --validate}
 * compares ONNX Runtime with. It computes in double from the exactly upcast weights, except RoPE
 * frequencies and angles, which are float32 as Hugging Face computes them, and shares no math
 * with the ONNX graph builder so that a mistake in one does not hide in the other.
 *
 * <p>Holds every weight widened to float32 in native memory (4 bytes a parameter, outside the
 * Java heap) until {@link #close()}; sessions must not be used after it.
 */
public final class ReferenceModel implements AutoCloseable {

  private final Arena arena;
  private final ModelConfig config;
  private final RotaryEmbedding rope;
  private final WeightMatrix embedding;
  private final List<DecoderLayer> layers;
  private final RmsNorm finalNorm;
  private final WeightMatrix lmHead;

  private ReferenceModel(Arena arena, ModelConfig config, ModelWeights weights) {
    this.arena = arena;
    this.config = config;
    Dimensions dims = config.dimensions();
    this.rope = new RotaryEmbedding(dims.headDim(), config.ropeTheta(), config.ropeScaling());
    this.embedding = WeightMatrix.of(weights.embedTokens(), arena);
    var attention = new Attention(dims);
    var built = new ArrayList<DecoderLayer>(dims.numLayers());
    for (int i = 0; i < dims.numLayers(); i++) {
      built.add(layer(i, weights.layers().get(i), attention));
    }
    this.layers = List.copyOf(built);
    this.finalNorm = norm(weights.finalNorm());
    // Tied: the input side hands over the embedding itself; widen it only once.
    this.lmHead = weights.lmHead() == weights.embedTokens()
        ? embedding
        : WeightMatrix.of(weights.lmHead(), arena);
  }

  /** Copies what it needs: {@code model} may be closed afterwards. */
  public static ReferenceModel load(ValidatedModel model) {
    Arena arena = Arena.ofShared();
    try {
      return new ReferenceModel(arena, model.config(), model.weights());
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** A sequence with an empty cache that keeps every entry. */
  public ReferenceSession newSession() {
    return new ReferenceSession(this, newCache(Optional.empty()));
  }

  /** A sequence whose cache follows StreamingLLM (spec §5). */
  public ReferenceSession newSession(StreamingLlm streaming) {
    return new ReferenceSession(this, newCache(Optional.of(streaming)));
  }

  @Override
  public void close() {
    arena.close();
  }

  /** Spec §4: groups in order; a cyclic group runs {@code passes} times over the same input. */
  double[][] forward(int[] tokenIds, ForwardStep step, int passes) {
    double[][] h = new double[tokenIds.length][];
    for (int t = 0; t < tokenIds.length; t++) {
      h[t] = embedding.row(tokenIds[t]);
    }
    for (LayerGroup group : config.layout().plan().groups()) {
      h = switch (group) {
        case LayerGroup.Once once -> runLayers(once, h, step);
        case LayerGroup.Cyclic cyclic -> runPasses(cyclic, h, step, passes);
      };
    }
    return lmHead.times(finalNorm.apply(h));
  }

  int vocabSize() {
    return config.dimensions().vocabSize();
  }

  RotaryEmbedding rope() {
    return rope;
  }

  /**
   * Before pass 1 the working KV of the group's KV layers is real zero vectors. Layers replace
   * it as they run, so a reader of a higher layer sees the previous pass and a reader of a lower
   * one this pass; only the last pass's hidden states and KV go on.
   */
  private double[][] runPasses(
      LayerGroup.Cyclic group, double[][] input, ForwardStep step, int passes) {
    int width = (int) config.dimensions().kvWidth();
    group.kvLayers().forEach(t -> step.setNewKv(t, WorkingKv.zeros(step.newTokens(), width)));
    double[][] h = input;
    for (int pass = 0; pass < passes; pass++) {
      h = runLayers(group, input, step);
    }
    return h;
  }

  private double[][] runLayers(LayerGroup group, double[][] input, ForwardStep step) {
    double[][] h = input;
    for (int i = group.first(); i <= group.last(); i++) {
      h = layers.get(i).forward(h, step);
    }
    return h;
  }

  private KvCache newCache(Optional<StreamingLlm> streaming) {
    return new KvCache(config.layout().kvLayers(), streaming, rope);
  }

  private DecoderLayer layer(int index, LayerWeights w, Attention attention) {
    return new DecoderLayer(
        config.layout().layer(index),
        norm(w.inputNorm()),
        WeightMatrix.of(w.qProj(), arena),
        w.kv().map(kv -> new DecoderLayer.KvWeights(
            WeightMatrix.of(kv.kProj(), arena), WeightMatrix.of(kv.vProj(), arena))),
        WeightMatrix.of(w.oProj(), arena),
        norm(w.postAttentionNorm()),
        WeightMatrix.of(w.gateProj(), arena),
        WeightMatrix.of(w.upProj(), arena),
        WeightMatrix.of(w.downProj(), arena),
        attention);
  }

  private RmsNorm norm(Tensor weight) {
    float[] values = weight.toFloatArray();
    double[] widened = new double[values.length];
    for (int k = 0; k < values.length; k++) {
      widened[k] = values[k];
    }
    return new RmsNorm(widened, config.rmsNormEps());
  }
}

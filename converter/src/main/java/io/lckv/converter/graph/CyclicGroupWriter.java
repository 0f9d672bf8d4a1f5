package io.lckv.converter.graph;

import io.lckv.converter.config.Dimensions;
import io.lckv.converter.config.LayerGroup;
import io.lckv.converter.config.LayerLayout;
import io.lckv.converter.model.LayerWeights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.TensorProto.DataType;

/**
 * A cyclic group (spec §4) as ONE ONNX Loop whose trip count is the {@code passes} input. Loop-
 * carried: the working K and V of every KV layer t inside the group (zeros before pass 1) and the
 * group's output hidden state. Every pass starts from the group's input h (an outer-scope value);
 * a layer i reading t inside the group sees the carried (previous pass) KV when t > i and this
 * pass's fresh KV when t <= i; a layer reading below the group sees that layer's final KV of the
 * step. The Loop's final values are the group's output and the final KV of its KV layers.
 */
final class CyclicGroupWriter {

  /**
   * @param finalKv the final KV of the group's KV layers, main-graph names
   * @param readsDone a main-graph value produced after every read the group's layers made
   */
  record Written(String hidden, Map<Integer, Kv> finalKv, String readsDone) {}

  private final Dimensions dims;
  private final LayerLayout layout;
  private final List<LayerWeights> weights;
  private final DecoderLayer layer;
  private final StepValues step;
  private final String passes;

  CyclicGroupWriter(Dimensions dims, LayerLayout layout, List<LayerWeights> weights,
      DecoderLayer layer, StepValues step, String passes) {
    this.dims = dims;
    this.layout = layout;
    this.weights = weights;
    this.layer = layer;
    this.step = step;
    this.passes = passes;
  }

  /** {@code belowKv}: the final KV (main-graph names) of every KV layer below the group. */
  Written write(OnnxGraph main, LayerGroup.Cyclic group, String h, Map<Integer, Kv> belowKv) {
    OnnxGraph body = main.body("passes_of_layers_" + group.first() + "_" + group.last());
    String cond = main.model().fresh("cond_in");
    body.input(TensorSpec.of(main.model().fresh("pass"), DataType.INT64));
    body.input(TensorSpec.of(cond, DataType.BOOL));
    Map<Integer, Kv> previous = new LinkedHashMap<>();
    for (int t : group.kvLayers()) {
      Kv carried = new Kv(main.model().fresh("layers." + t + "/previous_keys"),
          main.model().fresh("layers." + t + "/previous_values"));
      body.input(workingKv(carried.keys()));
      body.input(workingKv(carried.values()));
      previous.put(t, carried);
    }
    body.input(hidden(main.model().fresh("previous_hidden")));

    Map<Integer, Kv> thisPass = new HashMap<>();
    String hidden = h;
    for (int i = group.first(); i <= group.last(); i++) {
      int reader = i;
      DecoderLayer.Written written = layer.write(body, weights.get(i), layout.layer(i), hidden,
          t -> t < group.first() ? belowKv.get(t) : (t > reader ? previous : thisPass).get(t));
      hidden = written.hidden();
      written.fresh().ifPresent(kv -> thisPass.put(reader, kv));
    }

    body.output(TensorSpec.of(body.op("Identity", cond), DataType.BOOL));
    List<String> loopInputs = new ArrayList<>(List.of(passes, ""));
    for (int t : group.kvLayers()) {
      body.output(workingKv(thisPass.get(t).keys()));
      body.output(workingKv(thisPass.get(t).values()));
      loopInputs.add(step.workingKvZeros());
      loopInputs.add(step.workingKvZeros());
    }
    body.output(hidden(hidden));
    loopInputs.add(h);

    main.scope("layers." + group.first() + "-" + group.last());
    String[] outputs = main.node("Loop").in(loopInputs.toArray(String[]::new))
        .attr("body", body.build()).outs(2 * group.kvLayers().size() + 1);
    main.scope("");
    Map<Integer, Kv> finalKv = new LinkedHashMap<>();
    for (int j = 0; j < group.kvLayers().size(); j++) {
      finalKv.put(group.kvLayers().get(j), new Kv(outputs[2 * j], outputs[2 * j + 1]));
    }
    String groupOutput = outputs[outputs.length - 1];
    return new Written(groupOutput, finalKv, groupOutput);
  }

  private TensorSpec workingKv(String name) {
    return TensorSpec.of(name, DataType.FLOAT, "batch", "new_tokens", dims.kvWidth());
  }

  private TensorSpec hidden(String name) {
    return TensorSpec.of(name, DataType.FLOAT, "batch", "new_tokens", (long) dims.hiddenSize());
  }
}

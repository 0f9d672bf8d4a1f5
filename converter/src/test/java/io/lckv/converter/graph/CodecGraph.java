package io.lckv.converter.graph;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.checkpoint.Checkpoint;
import io.lckv.converter.checkpoint.CheckpointReader;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.checkpoint.Tensor;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto.DataType;

/**
 * A one-output graph around a few codec nodes, written with external data to a folder and run
 * through ORT: the harness of the codec tests.
 */
final class CodecGraph {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private CodecGraph() {}

  /** Gaussian values with a few large ones, as trained weights have. */
  static TestTensor weight(String name, long rows, long cols, long seed) {
    Random random = new Random(seed);
    float[] values = new float[(int) (rows * cols)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * (i % 97 == 0 ? 4 : 1);
    }
    return new TestTensor(name, new long[] {rows, cols}, values);
  }

  /** A checkpoint folder holding {@code tensors} as float32, opened. */
  static Checkpoint checkpoint(Path folder, List<TestTensor> tensors) throws IOException {
    Files.createDirectories(folder);
    SafetensorsWriter.write(folder.resolve("model.safetensors"), DType.F32, tensors);
    return CheckpointReader.open(folder);
  }

  /**
   * Builds {@code out = body(graph, input)} with the codec of {@code format}, the input declared
   * as {@code inputType}, and runs it on {@code input} of shape {@code shape}.
   */
  static float[] run(Path folder, WeightFormat format, DataType inputType, Object input,
      long[] shape, BiFunction<OnnxGraph, WeightCodec, String> body)
      throws IOException, OrtException {
    Files.createDirectories(folder);
    ModelScope scope = new ModelScope("codec");
    OnnxGraph main = scope.main();
    Object[] dims = new Object[shape.length];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = "d" + i;
    }
    main.input(TensorSpec.of("input", inputType, dims));
    try (ExternalDataFile data = new ExternalDataFile(folder, Parallelism.available());
        WeightWriter writer = new WeightWriter(data, main, ConversionProgress.SILENT,
            Parallelism.available())) {
      // Exact int8 compute: the codec tests compare against an independent dequantization.
      String out = body.apply(main, WeightCodec.of(format, Int8Accuracy.FP32, writer));
      main.node("Identity").in(out).outNamed("out");
      data.finish();
    }
    main.output(TensorSpec.of("out", DataType.FLOAT, "o0", "o1", "o2"));
    ModelProto model = ModelProto.newBuilder()
        .setIrVersion(LckvGraphBuilder.IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(LckvGraphBuilder.ONNX_OPSET))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
        .setGraph(main.build())
        .build();
    Path file = folder.resolve("model.onnx");
    try (OutputStream stream = Files.newOutputStream(file)) {
      model.writeTo(stream);
    }
    try (var options = new OrtSession.SessionOptions();
        OrtSession session = ENV.createSession(file.toString(), options);
        OnnxTensor tensor = inputType == DataType.FLOAT
            ? OnnxTensor.createTensor(ENV, FloatBuffer.wrap((float[]) input), shape)
            : OnnxTensor.createTensor(ENV, java.nio.LongBuffer.wrap((long[]) input), shape);
        OrtSession.Result result = session.run(Map.of("input", tensor))) {
      FloatBuffer values = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[] out = new float[values.remaining()];
      values.get(out);
      return out;
    }
  }

  static Tensor tensor(Checkpoint checkpoint, String name) {
    return checkpoint.find(name).orElseThrow();
  }
}

package io.lckv.converter.graph;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.lckv.converter.checkpoint.Checkpoint;
import io.lckv.converter.fixtures.TestTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto.DataType;

/**
 * One linear layer as the converter writes it, timed through ONNX Runtime's CPU EP: float32
 * weights (MatMul) against int8 weights at both {@link Int8Accuracy} levels (MatMulNBits), and
 * how far each output lies from the int8 layer with float32 activations. Not a test:
 * converter/README.md quotes its figures.
 *
 * <pre>java -cp converter/target/test-classes:converter/target/classes:&lt;classpath&gt;
 *     io.lckv.converter.graph.Int8MatMulBench [in out [threads]]</pre>
 */
public final class Int8MatMulBench {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int WARM_UP = 10;
  private static final int RUNS = 30;

  private Int8MatMulBench() {}

  public static void main(String[] args) throws IOException, OrtException {
    int in = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
    int out = args.length > 1 ? Integer.parseInt(args[1]) : 5632;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path dir = Files.createTempDirectory("lckv-int8-bench-");
    // Trained-weight scale; a few large values, as CodecGraph.weight makes them.
    TestTensor weight = CodecGraph.weight("w", out, in, 1);
    for (int i = 0; i < weight.values().length; i++) {
      weight.values()[i] *= 0.02f;
    }
    try (Checkpoint checkpoint = CodecGraph.checkpoint(dir.resolve("ckpt"), List.of(weight))) {
      Path fp32 = layer(dir.resolve("fp32"), WeightFormat.FP32, Int8Accuracy.FP32, checkpoint);
      Path int8Fp32 = layer(dir.resolve("int8-fp32"), WeightFormat.INT8, Int8Accuracy.FP32,
          checkpoint);
      Path int8Int8 = layer(dir.resolve("int8-int8"), WeightFormat.INT8, Int8Accuracy.INT8,
          checkpoint);
      for (int batch : new int[] {1, 32}) {
        float[] x = new float[batch * in];
        Random random = new Random(2);
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) random.nextGaussian();
        }
        // Differences from the int8 layer with float32 activations: the weights' rounding for
        // the float32 layer, the activations' rounding for int8 compute.
        Timed exact = time(int8Fp32, x, batch, in, threads);
        for (var variant : List.of(Map.entry("fp32 weights", fp32),
            Map.entry("int8, fp32 compute", int8Fp32), Map.entry("int8, int8 compute", int8Int8))) {
          Timed t = variant.getValue() == int8Fp32 ? exact
              : time(variant.getValue(), x, batch, in, threads);
          System.out.printf("%d x %d, batch %2d, %d thread(s), %-19s median %8.3f ms,"
                  + " max |y - y(int8, fp32 compute)| %.2e of max |y| %.2f%n",
              in, out, batch, threads, variant.getKey(), t.medianMs(),
              maxDifference(t.y(), exact.y()), maxAbs(exact.y()));
        }
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private record Timed(double medianMs, float[] y) {}

  private static Path layer(Path folder, WeightFormat format, Int8Accuracy accuracy,
      Checkpoint checkpoint) throws IOException {
    Files.createDirectories(folder);
    ModelScope scope = new ModelScope("bench");
    OnnxGraph main = scope.main();
    main.input(TensorSpec.of("x", DataType.FLOAT, "batch", checkpoint.find("w").orElseThrow()
        .shape().dim(1)));
    try (ExternalDataFile data = new ExternalDataFile(folder, Parallelism.available());
        WeightWriter writer = new WeightWriter(data, main, ConversionProgress.SILENT,
            Parallelism.available())) {
      String y = WeightCodec.of(format, accuracy, writer)
          .linear(main, "x", checkpoint.find("w").orElseThrow());
      main.node("Identity").in(y).outNamed("y");
      data.finish();
    }
    main.output(TensorSpec.of("y", DataType.FLOAT, "batch", "out"));
    Path file = folder.resolve("model.onnx");
    try (OutputStream stream = Files.newOutputStream(file)) {
      ModelProto.newBuilder()
          .setIrVersion(LckvGraphBuilder.IR_VERSION)
          .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(LckvGraphBuilder.ONNX_OPSET))
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft")
              .setVersion(1))
          .setGraph(main.build())
          .build()
          .writeTo(stream);
    }
    return file;
  }

  private static Timed time(Path model, float[] x, int batch, int in, int threads)
      throws OrtException {
    try (var options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      try (OrtSession session = ENV.createSession(model.toString(), options);
          OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x),
              new long[] {batch, in})) {
        float[] y = null;
        long[] nanos = new long[RUNS];
        for (int run = 0; run < WARM_UP + RUNS; run++) {
          long start = System.nanoTime();
          try (OrtSession.Result result = session.run(Map.of("x", input))) {
            if (y == null) {
              FloatBuffer values = ((OnnxTensor) result.get(0)).getFloatBuffer();
              y = new float[values.remaining()];
              values.get(y);
            }
          }
          if (run >= WARM_UP) {
            nanos[run - WARM_UP] = System.nanoTime() - start;
          }
        }
        Arrays.sort(nanos);
        return new Timed(nanos[RUNS / 2] / 1e6, y);
      }
    }
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  private static double maxAbs(float[] a) {
    double max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}

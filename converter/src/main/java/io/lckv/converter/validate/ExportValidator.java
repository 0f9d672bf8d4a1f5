package io.lckv.converter.validate;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.ConversionException;
import io.lckv.converter.config.ModelConfig;
import io.lckv.converter.graph.Int8Accuracy;
import io.lckv.converter.graph.WeightFormat;
import io.lckv.converter.model.ValidatedModel;
import io.lckv.converter.output.ModelFolderWriter;
import io.lckv.converter.reference.Logits;
import io.lckv.converter.reference.PassCount;
import io.lckv.converter.reference.ReferenceModel;
import io.lckv.converter.reference.ReferenceSession;
import io.lckv.nativeops.PoolDtype;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code --validate}: runs the written folder through ONNX Runtime (CPU EP, the op library, a
 * KvPool) and the plain-Java reference evaluator side by side: a short and an M+1-token prompt in
 * reference and exact mode, then greedy decode steps after the exact prefill of the longer one,
 * both sides fed the reference's choices. Fails the conversion past {@link ValidationTolerance}.
 */
public final class ExportValidator implements ModelFolderWriter.FolderCheck {

  static final int SHORT_PROMPT = 3;
  static final int DECODE_STEPS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WeightFormat format;
  private final Int8Accuracy int8Accuracy;
  private final PrintStream log;

  public ExportValidator(WeightFormat format, Int8Accuracy int8Accuracy, PrintStream log) {
    this.format = format;
    this.int8Accuracy = int8Accuracy;
    this.log = log;
  }

  @Override
  public ObjectNode check(Path folder, ValidatedModel model) {
    double tolerance = ValidationTolerance.of(format, int8Accuracy);
    ObjectNode figures = JSON.createObjectNode();
    figures.put("tolerance", tolerance);
    ArrayNode checks = figures.putArray("checks");
    double worst = 0;
    int agreed;
    log.println("lckv-convert: validating against the reference evaluator");
    try (ReferenceModel reference = ReferenceModel.load(model);
        ExportedModel exported = ExportedModel.open(folder)) {
      ModelConfig config = model.config();
      int[] longPrompt = prompt(config.passes().maxPasses() + 1, config, 1);
      for (int[] ids : List.of(prompt(SHORT_PROMPT, config, 2), longPrompt)) {
        for (PassCount mode : List.of(PassCount.REFERENCE, PassCount.EXACT)) {
          int passes = mode.passesFor(ids.length, config.passes());
          Logits expected = reference.newSession().forward(ids, mode);
          float[][] actual;
          try (ExportedSequence sequence = exported.newSequence(ids.length, PoolDtype.F32)) {
            actual = sequence.forward(longs(ids), passes);
          }
          double d = deviation(expected, actual);
          worst = Math.max(worst, d);
          record(checks, "prompt of " + ids.length + " tokens, " + name(mode) + " (" + passes
              + " passes)", d);
        }
      }
      Greedy greedy = decode(reference, exported, longPrompt, checks);
      worst = Math.max(worst, greedy.worst());
      agreed = greedy.agreed();
    } catch (OrtException e) {
      throw new ConversionException("validation: ONNX Runtime failed: " + e.getMessage());
    }
    figures.put("max_abs_logit_diff", worst);
    figures.put("greedy_agreement", agreed + "/" + (DECODE_STEPS + 1));
    figures.put("passed", worst <= tolerance);
    log.printf("lckv-convert: validation: max |dlogit| %.3g (tolerance %.3g), greedy agreement"
        + " %d/%d%n", worst, tolerance, agreed, DECODE_STEPS + 1);
    if (!(worst <= tolerance)) {
      throw new ConversionException("validation failed: max |dlogit| " + worst
          + " exceeds the " + format.optionName() + " tolerance " + tolerance);
    }
    return figures;
  }

  /** How far greedy decoding deviated, and how often both sides chose the same token. */
  private record Greedy(double worst, int agreed) {}

  /** Greedy steps after an exact prefill, both sides fed the reference's choices. */
  private Greedy decode(ReferenceModel reference, ExportedModel exported, int[] prompt,
      ArrayNode checks) throws OrtException {
    ReferenceSession expected = reference.newSession();
    try (ExportedSequence actual = exported.newSequence(prompt.length + DECODE_STEPS,
        PoolDtype.F32)) {
      Logits prefill = expected.forward(prompt, PassCount.EXACT);
      float[][] rows = actual.forward(longs(prompt), prompt.length);
      int last = prompt.length - 1;
      int token = prefill.argmax(last);
      int agreed = argmax(rows[last]) == token ? 1 : 0;
      double worst = 0;
      for (int step = 0; step < DECODE_STEPS; step++) {
        Logits want = expected.decode(token);
        float[] got = actual.decode(token);
        worst = Math.max(worst, deviation(want.row(0), got));
        token = want.argmax(0);
        agreed += argmax(got) == token ? 1 : 0;
      }
      record(checks, DECODE_STEPS + " greedy decode steps", worst);
      return new Greedy(worst, agreed);
    }
  }

  private void record(ArrayNode checks, String what, double deviation) {
    checks.addObject().put("check", what).put("max_abs_logit_diff", deviation);
    log.printf("lckv-convert: validate %s: max |dlogit| %.3g%n", what, deviation);
  }

  /** Deterministic ids spread over the vocabulary. */
  private static int[] prompt(int length, ModelConfig config, long seed) {
    var random = new SplittableRandom(seed);
    return random.ints(length, 0, config.dimensions().vocabSize()).toArray();
  }

  private static String name(PassCount mode) {
    return mode == PassCount.EXACT ? "exact" : "reference";
  }

  private static double deviation(Logits expected, float[][] actual) {
    double worst = 0;
    for (int t = 0; t < actual.length; t++) {
      worst = Math.max(worst, deviation(expected.row(t), actual[t]));
    }
    return worst;
  }

  /** A NaN counts as an infinite difference, so that it cannot pass. */
  private static double deviation(double[] expected, float[] actual) {
    double worst = 0;
    for (int k = 0; k < expected.length; k++) {
      double d = Math.abs(expected[k] - actual[k]);
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, d);
    }
    return worst;
  }

  private static int argmax(float[] row) {
    int best = 0;
    for (int k = 1; k < row.length; k++) {
      if (row[k] > row[best]) {
        best = k;
      }
    }
    return best;
  }

  private static long[] longs(int[] ids) {
    return Arrays.stream(ids).asLongStream().toArray();
  }
}

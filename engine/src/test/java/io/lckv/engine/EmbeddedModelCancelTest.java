package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lckv.converter.graph.WeightFormat;
import io.lckv.engine.model.RunnerOptions;
import io.lckv.engine.model.OrtModel;
import io.lckv.engine.sampling.SamplingParams;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancelling a request that is generating on the real model gives its blocks back. */
class EmbeddedModelCancelTest {

  @TempDir Path cache;

  @Test
  void aCancelMidStreamEndsTheRequestAndEmptiesThePool() throws Exception {
    var options = new OrtModel.Options(cache, WeightFormat.FP16, RunnerOptions.cpu(4 << 20));
    try (var model = OrtModel.open(Path.of("../models/lckv-tiny-w2"), options,
            new PrintStream(OutputStream.nullOutputStream()));
        var engine = Engine.start(model.runner(), model.tokenizer(),
            new EngineConfig(4, 256, 64, 4))) {
      int[] prompt = model.tokenizer().encode("The jury said", true);
      var handle = assertInstanceOf(SubmitResult.Accepted.class, engine.submit(
          GenerationRequest.of(prompt, SamplingParams.builder().temperature(1.0).seed(3)
              .maxTokens(1500).build()))).handle();
      assertInstanceOf(GenerationEvent.Token.class, handle.nextEvent(Duration.ofSeconds(30))
          .orElseThrow());
      handle.cancel();
      GenerationEvent last;
      do {
        last = handle.nextEvent(Duration.ofSeconds(30)).orElseThrow();
      } while (last instanceof GenerationEvent.Token);
      assertEquals(FinishReason.CANCELLED, ((GenerationEvent.Finished) last).reason());
      assertEquals(0.0, engine.stats().kvUsage(), "blocks still held after the cancel");
      assertEquals(0, engine.stats().running());
    }
  }
}

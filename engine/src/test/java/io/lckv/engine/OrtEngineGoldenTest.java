package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lckv.converter.golden.Golden;
import io.lckv.converter.golden.GoldenFixture;
import io.lckv.converter.golden.GreedyGolden;
import io.lckv.converter.golden.PromptGolden;
import io.lckv.converter.golden.StreamingGolden;
import io.lckv.engine.kv.StreamingWindow;
import io.lckv.engine.model.FixtureModels;
import io.lckv.engine.model.OrtModelRunner;
import io.lckv.engine.runner.PrefillMode;
import io.lckv.engine.sampling.SamplingParams;
import io.lckv.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine on the real runner, end to end, against the PyTorch reference's greedy runs: the
 * tokens a greedy request generates equal the golden ones, alone and in a batch with other
 * requests, and every block is back in the pool afterwards.
 */
class OrtEngineGoldenTest {

  private static final EngineConfig CONFIG = new EngineConfig(8, 256, 64, 8);

  static List<GoldenFixture> fixtures() {
    return FixtureModels.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void greedyRequestsReproduceTheReferenceAloneAndBatched(GoldenFixture fixture)
      throws Exception {
    Golden golden = fixture.load();
    GreedyGolden run = golden.decode();
    try (var runner = OrtModelRunner.open(FixtureModels.converted(golden),
            FixtureModels.exactOptions(4 << 20), FixtureModels.quiet());
        var engine = Engine.start(runner, new IdTokenizer(), CONFIG)) {
      List<Integer> expected = untilEos(run, runner.spec().eosTokenIds());

      assertEquals(expected, generate(engine, run.promptIds(), expected.size()).tokens(),
          fixture + " alone");
      var alone = new ArrayList<String>();
      for (PromptGolden other : golden.prompts()) {
        alone.add(generate(engine, other.ids(), 9).summary());
      }

      var handles = new ArrayList<GenerationHandle>();
      handles.add(submit(engine, run.promptIds(), expected.size()));
      for (PromptGolden other : golden.prompts()) {
        handles.add(submit(engine, other.ids(), 9));
      }
      assertEquals(expected, Outcome.await(handles.getFirst()).tokens(), fixture + " batched");
      for (int i = 0; i < alone.size(); i++) {
        assertEquals(alone.get(i), Outcome.await(handles.get(i + 1)).summary(),
            fixture + " prompt " + i + " batched vs alone");
      }
      assertEquals(0.0, engine.stats().kvUsage(), "blocks left in the pool");
      assertEquals(0, engine.stats().running());
    }
  }

  static List<GoldenFixture> streamingFixtures() {
    return FixtureModels.all().stream().filter(f -> f.load().streaming().isPresent()).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("streamingFixtures")
  void streamingRequestsReproduceTheReferencesEvictions(GoldenFixture fixture) throws Exception {
    Golden golden = fixture.load();
    StreamingGolden streaming = golden.streaming().orElseThrow();
    GreedyGolden run = streaming.run();
    try (var runner = OrtModelRunner.open(FixtureModels.converted(golden),
            FixtureModels.exactOptions(4 << 20), FixtureModels.quiet());
        var engine = Engine.start(runner, new IdTokenizer(), CONFIG)) {
      List<Integer> expected = untilEos(run, runner.spec().eosTokenIds());
      var window = new StreamingWindow(streaming.sinks(), streaming.window());
      var request = new GenerationRequest(run.promptIds(),
          SamplingParams.greedy(Math.max(1, expected.size())), PrefillMode.EXACT,
          Optional.of(window));
      // Beside a plain request, so the batch mixes keys stored with and without rope.
      GenerationHandle plain = submit(engine, golden.decode().promptIds(), 17);
      GenerationHandle windowed =
          assertInstanceOf(SubmitResult.Accepted.class, engine.submit(request)).handle();
      assertEquals(expected, Outcome.await(windowed).tokens(), fixture + " streaming");
      assertEquals(untilEos(golden.decode(), runner.spec().eosTokenIds()),
          Outcome.await(plain).tokens(), fixture + " plain beside it");
      assertEquals(0.0, engine.stats().kvUsage(), "blocks left in the pool");
    }
  }

  /** The reference's choices (first token, then every step's) up to the first end token. */
  private static List<Integer> untilEos(GreedyGolden run, java.util.Set<Integer> eos) {
    var tokens = new ArrayList<Integer>();
    tokens.add(run.inputIds()[0]);
    Arrays.stream(run.nextIds()).forEach(tokens::add);
    for (int i = 0; i < tokens.size(); i++) {
      if (eos.contains(tokens.get(i))) {
        return List.copyOf(tokens.subList(0, i));
      }
    }
    return List.copyOf(tokens);
  }

  private static Outcome generate(Engine engine, int[] prompt, int maxTokens) throws Exception {
    return Outcome.await(submit(engine, prompt, maxTokens));
  }

  private static GenerationHandle submit(Engine engine, int[] prompt, int maxTokens) {
    var request = new GenerationRequest(prompt, SamplingParams.greedy(Math.max(1, maxTokens)),
        PrefillMode.EXACT, Optional.empty());
    return assertInstanceOf(SubmitResult.Accepted.class, engine.submit(request)).handle();
  }

  /** Token ids as text: the fixtures' random vocabularies have no tokenizer. */
  private static final class IdTokenizer implements Tokenizer {
    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
      return Arrays.stream(text.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
    }

    @Override
    public String decode(int[] tokenIds) {
      return Arrays.stream(tokenIds).mapToObj(id -> " " + id).collect(Collectors.joining());
    }

    @Override
    public void close() {}
  }
}

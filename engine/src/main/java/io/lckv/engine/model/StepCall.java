package io.lckv.engine.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.lckv.converter.graph.GraphIo;
import io.lckv.engine.kv.CacheView;
import io.lckv.engine.runner.SequenceStep;
import io.lckv.engine.runner.SequenceStep.LogitsRows;
import io.lckv.engine.runner.StepBatch;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the graph: sequences of a step that share what the graph takes once per call (the
 * new-token count n, the pass count, which logits come back). A step becomes one call per such
 * group; a decode step is always a single call.
 *
 * @param batchIndices position of each sequence in the step's batch
 * @param sequences the sequences, in the same order
 */
record StepCall(List<Integer> batchIndices, List<SequenceStep> sequences) {

  private record Shape(int newTokens, int passes, LogitsRows rows) {}

  /** The step's sequences grouped into calls, first appearance first. */
  static List<StepCall> split(StepBatch batch) {
    Map<Shape, StepCall> calls = new LinkedHashMap<>();
    List<SequenceStep> sequences = batch.sequences();
    for (int i = 0; i < sequences.size(); i++) {
      SequenceStep s = sequences.get(i);
      calls.computeIfAbsent(new Shape(s.newTokens(), s.passes(), s.logits()),
              shape -> new StepCall(new ArrayList<>(), new ArrayList<>()))
          .add(i, s);
    }
    return List.copyOf(calls.values());
  }

  private void add(int batchIndex, SequenceStep sequence) {
    batchIndices.add(batchIndex);
    sequences.add(sequence);
  }

  int batch() {
    return sequences.size();
  }

  int newTokens() {
    return sequences.getFirst().newTokens();
  }

  boolean allRows() {
    return sequences.getFirst().logits() == LogitsRows.ALL;
  }

  /** Committed length of each sequence before the call, as the graph's {@code cache_lens}. */
  int[] cacheLengths() {
    return sequences.stream().mapToInt(s -> s.cache().committed().longest()).toArray();
  }

  /** The graph's inputs for this call; the caller closes them. */
  Map<String, OnnxTensor> feeds(OrtEnvironment env, long poolHandle) throws OrtException {
    int b = batch();
    int n = newTokens();
    long[] ids = new long[b * n];
    long[] positions = new long[b * n];
    // Padding entries are never read (the op reads only the blocks a sequence's length covers).
    int width = Math.max(1, sequences.stream()
        .mapToInt(s -> s.cache().blockTable().length).max().orElseThrow());
    int[] tables = new int[b * width];
    Arrays.fill(tables, -1);
    int[] sinks = new int[b];
    int[] recentOffsets = new int[b];
    int[] ropeAtRead = new int[b];
    for (int s = 0; s < b; s++) {
      SequenceStep step = sequences.get(s);
      int[] tokens = step.tokenIds();
      int[] pos = step.positions();
      for (int j = 0; j < n; j++) {
        ids[s * n + j] = tokens[j];
        positions[s * n + j] = pos[j];
      }
      CacheView cache = step.cache();
      int[] table = cache.blockTable();
      System.arraycopy(table, 0, tables, s * width, table.length);
      sinks[s] = cache.sinkTokens();
      recentOffsets[s] = cache.recentOffset();
      ropeAtRead[s] = cache.streaming() ? 1 : 0;
    }
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(GraphIo.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids),
          new long[] {b, n}));
      feeds.put(GraphIo.POSITIONS, OnnxTensor.createTensor(env, LongBuffer.wrap(positions),
          new long[] {b, n}));
      feeds.put(GraphIo.POOL, OnnxTensor.createTensor(env, poolHandle));
      feeds.put(GraphIo.BLOCK_TABLE, OnnxTensor.createTensor(env, IntBuffer.wrap(tables),
          new long[] {b, width}));
      feeds.put(GraphIo.CACHE_LENS, OnnxTensor.createTensor(env, IntBuffer.wrap(cacheLengths()),
          new long[] {b, 1}));
      feeds.put(GraphIo.SINKS, OnnxTensor.createTensor(env, IntBuffer.wrap(sinks),
          new long[] {b}));
      feeds.put(GraphIo.RECENT_OFFSET, OnnxTensor.createTensor(env,
          IntBuffer.wrap(recentOffsets), new long[] {b}));
      feeds.put(GraphIo.ROPE_AT_READ, OnnxTensor.createTensor(env, IntBuffer.wrap(ropeAtRead),
          new long[] {b}));
      feeds.put(GraphIo.PASSES, OnnxTensor.createTensor(env,
          (long) sequences.getFirst().passes()));
      feeds.put(GraphIo.LOGITS_FROM, OnnxTensor.createTensor(env,
          allRows() ? 0L : GraphIo.NO_LOGITS_ALL));
      return feeds;
    } catch (OrtException | RuntimeException e) {
      feeds.values().forEach(OnnxTensor::close);
      throw e;
    }
  }
}

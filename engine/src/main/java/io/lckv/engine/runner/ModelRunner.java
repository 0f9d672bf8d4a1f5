package io.lckv.engine.runner;

import java.util.List;

/**
 * The seam between the engine and the model: one call runs one forward step over a batch of
 * sequences against the native paged KV pool, and returns logits.
 *
 * <p><b>What the engine guarantees.</b>
 *
 * <ol>
 *   <li>One caller: only the engine loop thread calls {@link #step}, never concurrently.
 *   <li>A batch is all prefill or all decode ({@link StepBatch#isDecode()}); a decode sequence
 *       brings one token and asks for one pass. The sequences of a prefill batch may differ in
 *       token count, mode and pass count. A sequence appears at most once per batch, and
 *       sequence ids are never reused.
 *   <li>Blocks are allocated before the call: each {@link SequenceStep#cache()} table holds the
 *       blocks for its committed entries and for every new token, following the slot mapping
 *       documented on {@link io.lckv.engine.kv.CacheView}. Block ids lie in {@code 0 ..
 *       pool.blocks-1} and no block appears in two tables of one batch. The runner never
 *       allocates or frees blocks.
 *   <li>New token {@code j} of a sequence has cache index and RoPE position {@code committed +
 *       j}, where {@code committed} is the length after the step's eviction; positions stay
 *       below {@link ModelSpec#maxContextTokens()}.
 *   <li>An eviction ({@link io.lckv.engine.kv.KvEviction}) is applied before the new tokens are
 *       written. The blocks that held only evicted entries are no longer in the table and may
 *       already belong to another sequence of the same batch, so they must not be read.
 *   <li>Commit happens inside the step: the runner writes the K/V of the new tokens (the last
 *       pass's values) into their slots, and the engine counts them as committed when {@code step}
 *       returns normally.
 *   <li>If {@code step} throws (a {@link RunnerException} or any runtime exception) or returns
 *       logits of the wrong shape, every sequence of the batch ends with an error and its blocks
 *       go back to the pool; the next step may hand them to other sequences.
 *   <li>Everything a step needs arrives in it, so the runner needs no per-sequence state; there
 *       is no release call, and blocks of a finished sequence are reused without notice.
 * </ol>
 *
 * <p><b>What the runner guarantees.</b> {@code step} returns one {@link SequenceLogits} per batch
 * sequence, in batch order, with one row of {@link ModelSpec#vocabSize()} floats for the last new
 * token (or one per new token when {@link SequenceStep.LogitsRows#ALL} is asked). A sequence's
 * logits depend only on that sequence's tokens, cache and pass count, never on what else is in the
 * batch: the engine's promise that a request's output does not depend on its batch rests on it.
 */
public interface ModelRunner {

  ModelSpec spec();

  List<SequenceLogits> step(StepBatch batch) throws RunnerException;
}

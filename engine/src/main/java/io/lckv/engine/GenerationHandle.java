package io.lckv.engine;

import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A submitted request: its event stream and its cancel switch.
 *
 * <p>The engine loop only appends to an unbounded queue, so a slow reader never slows other
 * requests; a server reads each stream on its own (virtual) thread. Events are meant for one
 * reader. {@link #cancel()} may be called from any thread.
 */
public final class GenerationHandle {

  private final long id;
  private final Runnable wakeEngine;
  private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
  private volatile boolean cancelRequested;
  private volatile boolean finishedTaken;

  GenerationHandle(long id, Runnable wakeEngine) {
    this.id = id;
    this.wakeEngine = wakeEngine;
  }

  public long id() {
    return id;
  }

  /**
   * The next event, waiting for it if need be.
   *
   * @throws NoSuchElementException once {@link GenerationEvent.Finished} was returned
   */
  public GenerationEvent nextEvent() throws InterruptedException {
    requireNotFinished();
    return taken(events.take());
  }

  /** The next event, or empty if none arrives within {@code timeout}. */
  public Optional<GenerationEvent> nextEvent(Duration timeout) throws InterruptedException {
    requireNotFinished();
    GenerationEvent event = events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return Optional.ofNullable(event).map(this::taken);
  }

  /**
   * Asks the engine to stop the request. It finishes with {@link FinishReason#CANCELLED} and its
   * KV blocks are free by the next engine step; a request that already ended is not affected.
   */
  public void cancel() {
    cancelRequested = true;
    wakeEngine.run();
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  void deliver(GenerationEvent event) {
    events.add(event);
  }

  private GenerationEvent taken(GenerationEvent event) {
    finishedTaken = event instanceof GenerationEvent.Finished;
    return event;
  }

  private void requireNotFinished() {
    if (finishedTaken) {
      throw new NoSuchElementException("request " + id + " already finished");
    }
  }
}

package io.lckv.engine;

import io.lckv.engine.kv.KvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who may run: a request is admitted when a batch slot is free and the KV pool can reserve its
 * worst case, else it queues (first come, first served: nobody overtakes the head of the queue,
 * so a large request cannot starve), and when the queue is full too it is turned away. Request
 * threads offer; the engine loop takes admitted requests and releases finished ones.
 */
final class Admission {

  private final KvCache kv;
  private final int maxBatch;
  private final int maxWaiting;
  private final ArrayDeque<RequestState> waiting = new ArrayDeque<>();
  private final ArrayDeque<RequestState> admitted = new ArrayDeque<>();
  private int holders;

  Admission(KvCache kv, int maxBatch, int maxWaiting) {
    this.kv = kv;
    this.maxBatch = maxBatch;
    this.maxWaiting = maxWaiting;
  }

  /** Admits or queues the request; false when both the pool and the queue are full. */
  synchronized boolean offer(RequestState request) {
    if (waiting.isEmpty() && tryAdmit(request, request.submittedNanos)) {
      return true;
    }
    if (waiting.size() < maxWaiting) {
      waiting.add(request);
      return true;
    }
    return false;
  }

  /** Admits what now fits from the head of the queue. */
  synchronized void admitWaiting(long now) {
    while (!waiting.isEmpty() && tryAdmit(waiting.peek(), now)) {
      waiting.poll();
    }
  }

  /** Hands the admitted requests over to the engine loop. */
  synchronized List<RequestState> takeAdmitted() {
    List<RequestState> taken = new ArrayList<>(admitted);
    admitted.clear();
    return taken;
  }

  /** Removes queued requests whose handles were cancelled; they hold nothing. */
  synchronized List<RequestState> dropCancelledWaiting() {
    List<RequestState> dropped = new ArrayList<>();
    waiting.removeIf(
        request -> request.handle.cancelRequested() && dropped.add(request));
    return dropped;
  }

  /** Removes every queued request, for shutdown. */
  synchronized List<RequestState> drainWaiting() {
    List<RequestState> drained = new ArrayList<>(waiting);
    waiting.clear();
    return drained;
  }

  /** Returns a finished request's KV blocks, reservation and batch slot. */
  synchronized void release(RequestState request) {
    if (request.holdsReservation) {
      kv.release(request.id);
      request.holdsReservation = false;
      holders--;
    }
  }

  synchronized boolean hasPending() {
    return !waiting.isEmpty() || !admitted.isEmpty();
  }

  synchronized int waiting() {
    return waiting.size();
  }

  synchronized int holders() {
    return holders;
  }

  /** Every running request holds a reservation and nothing else does. */
  synchronized void checkInvariants(Collection<RequestState> running) {
    if (holders != running.size() + admitted.size()) {
      throw new IllegalStateException(
          holders + " reservations for " + running.size() + " running and " + admitted.size()
              + " admitted requests");
    }
    for (RequestState request : running) {
      if (!request.holdsReservation || !kv.holds(request.id)) {
        throw new IllegalStateException("running request " + request.id + " holds no reservation");
      }
    }
    for (RequestState request : waiting) {
      if (request.holdsReservation || kv.holds(request.id)) {
        throw new IllegalStateException("waiting request " + request.id + " holds a reservation");
      }
    }
    if (kv.usage().sequences() != holders) {
      throw new IllegalStateException(
          kv.usage().sequences() + " KV sequences for " + holders + " reservations");
    }
  }

  private boolean tryAdmit(RequestState request, long now) {
    if (holders >= maxBatch
        || !kv.tryReserve(
            request.id, request.request.cacheTokensAtMost(), request.request.streaming())) {
      return false;
    }
    holders++;
    request.holdsReservation = true;
    request.admittedNanos = now;
    admitted.add(request);
    return true;
  }
}

package io.lckv.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.engine.kv.KvCache;
import io.lckv.engine.kv.KvPoolGeometry;
import io.lckv.engine.sampling.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionTest {

  private final KvCache kv = new KvCache(new KvPoolGeometry(4, 10));
  private final Admission admission = new Admission(kv, 2, 2);
  private long nextId;

  /** A request that reserves {@code blocks} blocks of 4 tokens. */
  private RequestState request(int blocks) {
    var request =
        GenerationRequest.of(new int[blocks * 4 - 3], SamplingParams.greedy(4));
    long id = ++nextId;
    return new RequestState(id, request, new GenerationHandle(id, () -> {}), 0, 0);
  }

  @Test
  void admitsWhileSlotsAndBlocksLastThenQueuesThenRefuses() {
    RequestState a = request(4);
    RequestState b = request(4);
    assertTrue(admission.offer(a));
    assertTrue(admission.offer(b));
    assertTrue(admission.offer(request(1))); // blocks left, but no batch slot: queued
    assertTrue(admission.offer(request(1)));
    assertFalse(admission.offer(request(1)));
    assertEquals(2, admission.waiting());
    assertEquals(List.of(a, b), admission.takeAdmitted());
    admission.checkInvariants(List.of(a, b));
  }

  @Test
  void theHeadOfTheQueueIsNeverOvertaken() {
    RequestState big = request(8);
    RequestState small = request(2);
    RequestState huge = request(9);
    assertTrue(admission.offer(big));
    assertTrue(admission.offer(huge)); // 8 + 9 > 10 blocks: queued
    assertTrue(admission.offer(small)); // 8 + 2 would fit, but it waits behind the huge one
    admission.admitWaiting(1);
    assertEquals(List.of(big), admission.takeAdmitted());
    admission.release(big);
    admission.admitWaiting(2);
    assertEquals(List.of(huge), admission.takeAdmitted());
    assertEquals(2, huge.admittedNanos);
    assertEquals(1, admission.waiting());
  }

  @Test
  void cancelledQueuedRequestsLeaveWithoutEverHoldingBlocks() {
    admission.offer(request(10));
    RequestState queued = request(1);
    admission.offer(queued);
    queued.handle.cancel();
    assertEquals(List.of(queued), admission.dropCancelledWaiting());
    assertFalse(queued.holdsReservation);
    assertEquals(0, admission.waiting());
  }

  @Test
  void releaseReturnsBlocksAndSlotOnce() {
    RequestState a = request(4);
    admission.offer(a);
    admission.takeAdmitted();
    admission.release(a);
    admission.release(a);
    assertEquals(0, admission.holders());
    assertEquals(0, kv.usage().reservedBlocks());
    assertFalse(admission.hasPending());
  }
}

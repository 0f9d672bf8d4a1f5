package io.lckv.server.metrics;

import static io.lckv.server.api.Requests.complete;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.server.FakeModelProfile;
import io.lckv.server.FakeModelTest;
import io.lckv.server.TestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakeModelProfile.class)
class EngineMetricsTest extends FakeModelTest {

  private static final String MODEL = "model_name=\"" + FakeModelProfile.MODEL + "\"";


  private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
    assertTrue(after.containsKey(name), "no metric " + name + " in " + after.keySet());
    return after.get(name) - before.getOrDefault(name, 0.0);
  }

  @Test
  void aRequestIsCountedWithItsTokensLatenciesAndFinishReason() {
    Map<String, Double> before = TestServer.metrics();
    complete("{\"model\": \"fake-model\", \"prompt\": \"abc\", \"max_tokens\": 5}").statusCode(200);
    backend.runner().eosLogit(1000);
    complete("{\"model\": \"fake-model\", \"prompt\": \"abcd\", \"max_tokens\": 5}").statusCode(200);
    Map<String, Double> after = TestServer.metrics();

    assertEquals(7, delta(before, after, "lckv_prompt_tokens_total{" + MODEL + "}"));
    assertEquals(6, delta(before, after, "lckv_generation_tokens_total{" + MODEL + "}"));
    assertEquals(1, delta(before, after, "lckv_request_success_total{finished_reason=\"length\"," + MODEL + "}"));
    assertEquals(1, delta(before, after, "lckv_request_success_total{finished_reason=\"stop\"," + MODEL + "}"));
    assertEquals(0, delta(before, after, "lckv_request_success_total{finished_reason=\"abort\"," + MODEL + "}"));
    assertEquals(0, delta(before, after, "lckv_request_success_total{finished_reason=\"error\"," + MODEL + "}"));
    assertEquals(2, delta(before, after, "lckv_time_to_first_token_seconds_count{" + MODEL + "}"));
    assertEquals(4, delta(before, after, "lckv_inter_token_latency_seconds_count{" + MODEL + "}"));
    assertEquals(2, delta(before, after, "lckv_e2e_request_latency_seconds_count{" + MODEL + "}"));
    assertEquals(2, delta(before, after, "lckv_e2e_request_latency_seconds_bucket{" + MODEL + ",le=\"+Inf\"}"));
    assertTrue(after.containsKey("lckv_time_to_first_token_seconds_bucket{" + MODEL + ",le=\"0.001\"}"));
    assertEquals(0, after.get("lckv_num_requests_running{" + MODEL + "}"));
    assertEquals(0, after.get("lckv_num_requests_waiting{" + MODEL + "}"));
    assertEquals(0, after.get("lckv_kv_cache_usage_perc{" + MODEL + "}"));
  }
}

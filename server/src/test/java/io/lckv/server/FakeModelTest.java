package io.lckv.server;

import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test of the server on the fake model backend: each test starts once the model is ready, and
 * leaves the backend as it found it, so that what one test scripts does not reach the next.
 */
public abstract class FakeModelTest {

  @Inject protected FakeModelBackend backend;

  @BeforeEach
  protected void awaitReadyModel() {
    TestServer.awaitReady();
  }

  @AfterEach
  protected void resetBackend() {
    backend.reset();
  }
}

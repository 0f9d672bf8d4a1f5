package io.lckv.server.api;

import static org.junit.jupiter.api.Assertions.fail;

import io.restassured.RestAssured;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client on a bare socket, so that a test decides exactly when the connection goes away, as a
 * client that crashes or gives up does.
 */
final class RawClient implements AutoCloseable {

  private final Socket socket;
  private final StringBuilder received = new StringBuilder();

  private RawClient(Socket socket) {
    this.socket = socket;
  }

  /** Sends a JSON POST and returns without reading anything. */
  static RawClient post(String path, String json) throws IOException {
    var socket = new Socket("localhost", RestAssured.port);
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length + "\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return new RawClient(socket);
  }

  /** Reads until the response holds {@code count} stream events; returns what came. */
  String awaitEvents(int count) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[4096];
    while (received.toString().split("data: ", -1).length - 1 < count) {
      int n = in.read(buffer);
      if (n < 0) {
        fail("the stream ended after " + received);
      }
      received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
    return received.toString();
  }

  /** Hangs up without reading the rest. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}

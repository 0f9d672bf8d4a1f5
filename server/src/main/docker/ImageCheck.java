import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Smoke checks of a running LCKV Serve, from outside: health, one completion, one streamed
 * completion, one chat completion and the metrics. The image test runs it against the server
 * started from the image's root filesystem; the image build runs it with {@code --train} as the
 * workload of the JDK AOT cache's training run.
 *
 * <p>Uses java.base only (HttpURLConnection, no JSON library), so it runs on the image's jlink'd
 * runtime as well as on a JDK as a source file: {@code java ImageCheck.java http://127.0.0.1:8080}.
 *
 * <pre>
 * ImageCheck [--train] [--ready-timeout SECONDS] [--started-at EPOCH_MILLIS] BASE_URL
 * </pre>
 *
 * Times are printed from {@code --started-at} (when the server process was started, so the
 * figures are its cold start) or else from this program's start.
 *
 * Exit 0 when every check passed; 1 at the first failure. With {@code --train} every step runs
 * whatever the previous ones gave (a training run records what it can: a GPU image is trained on
 * a machine without a GPU) and the exit is 1 only when the server never answered at all.
 */
public final class ImageCheck {

  private static final Pattern MODEL_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern COMPLETION_TOKENS =
      Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
  private static final List<String> METRICS =
      List.of(
          "lckv_num_requests_running",
          "lckv_num_requests_waiting",
          "lckv_kv_cache_usage_perc",
          "lckv_time_to_first_token_seconds",
          "lckv_generation_tokens_total");

  private final String base;
  private final boolean train;
  private final long startMillis;
  private int failures;

  private ImageCheck(String base, boolean train, long startMillis) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.train = train;
    this.startMillis = startMillis;
  }

  public static void main(String[] args) throws Exception {
    boolean train = false;
    long readyTimeoutSeconds = 120;
    long startedAt = System.currentTimeMillis();
    String base = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--train" -> train = true;
        case "--ready-timeout" -> readyTimeoutSeconds = Long.parseLong(args[++i]);
        case "--started-at" -> startedAt = Long.parseLong(args[++i]);
        default -> base = args[i];
      }
    }
    if (base == null) {
      System.err.println(
          "usage: ImageCheck [--train] [--ready-timeout SECONDS] [--started-at EPOCH_MILLIS] BASE_URL");
      System.exit(2);
    }
    System.exit(new ImageCheck(base, train, startedAt).run(readyTimeoutSeconds * 1000));
  }

  private int run(long readyTimeoutMillis) throws InterruptedException {
    if (!waitFor("/q/health/live", readyTimeoutMillis)) {
      return 1;
    }
    boolean ready =
        waitFor("/q/health/started", readyTimeoutMillis)
            & waitFor("/q/health/ready", readyTimeoutMillis);
    if (!ready && !train) {
      return 1;
    }
    String model = check("models", this::models);
    if (model != null || train) {
      check("completion", () -> completion(model));
      check("stream", () -> stream(model));
      check("chat", () -> chat(model));
    }
    check("metrics", this::metrics);
    if (train) {
      System.out.printf("training run done (%d step(s) did not pass)%n", failures);
      return 0;
    }
    return failures == 0 ? 0 : 1;
  }

  /** Polls a health endpoint until it answers 200; prints when it did, relative to our start. */
  private boolean waitFor(String path, long timeoutMillis) throws InterruptedException {
    Response last = null;
    while (elapsedMillis() < timeoutMillis) {
      try {
        last = request("GET", path, null);
        if (last.status == 200) {
          System.out.printf("PASS %-18s %6d ms%n", path, elapsedMillis());
          return true;
        }
      } catch (IOException notListeningYet) {
        // the port is not open yet: poll again
      }
      Thread.sleep(20);
    }
    fail(path, last == null ? "never answered" : last.status + " " + last.body);
    return false;
  }

  private String models() throws IOException {
    Response r = expect200(request("GET", "/v1/models", null));
    Matcher id = MODEL_ID.matcher(r.body);
    if (!id.find()) {
      throw new IOException("no model id in " + r.body);
    }
    return id.group(1);
  }

  private String completion(String model) throws IOException {
    Response r =
        expect200(request("POST", "/v1/completions", completionBody(model, false)));
    require(r.body, "\"text\"", "\"finish_reason\"");
    Matcher tokens = COMPLETION_TOKENS.matcher(r.body);
    if (!tokens.find() || Integer.parseInt(tokens.group(1)) < 1) {
      throw new IOException("no completion tokens counted: " + r.body);
    }
    return tokens.group(1) + " tokens";
  }

  /** Streams a completion and reads it chunk by chunk, timing the first token. */
  private String stream(String model) throws IOException {
    long sent = System.nanoTime();
    HttpURLConnection c = open("POST", "/v1/completions");
    send(c, completionBody(model, true));
    if (c.getResponseCode() != 200) {
      throw new IOException(c.getResponseCode() + " " + read(c.getErrorStream()));
    }
    if (!String.valueOf(c.getContentType()).startsWith("text/event-stream")) {
      throw new IOException("content type " + c.getContentType());
    }
    List<String> events = new ArrayList<>();
    long firstToken = -1;
    try (var in =
        new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("data: ")) {
          events.add(line.substring(6));
          if (firstToken < 0 && line.contains("\"text\"")) {
            firstToken = System.nanoTime() - sent;
          }
        }
      }
    }
    if (events.isEmpty() || !events.getLast().equals("[DONE]")) {
      throw new IOException("the stream did not end with data: [DONE]: " + events);
    }
    if (firstToken < 0) {
      throw new IOException("no chunk carried text: " + events);
    }
    require(String.join("\n", events), "\"finish_reason\"", "\"usage\"");
    return String.format("%d chunks, first token after %d ms", events.size(), firstToken / 1_000_000);
  }

  private String chat(String model) throws IOException {
    String body =
        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
            + "\"max_tokens\":8,\"temperature\":0}";
    Response r = expect200(request("POST", "/v1/chat/completions", body));
    require(r.body, "\"message\"", "\"assistant\"");
    return null;
  }

  private String metrics() throws IOException {
    Response r = expect200(request("GET", "/q/metrics", null));
    require(r.body, METRICS.toArray(String[]::new));
    return null;
  }

  private static String completionBody(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"prompt\":\"The old man\",\"max_tokens\":8,"
        + "\"temperature\":0,\"stream\":" + stream
        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
  }

  private interface Step {
    String run() throws IOException;
  }

  private String check(String name, Step step) {
    try {
      String detail = step.run();
      System.out.printf("PASS %-18s %6d ms%s%n", name, elapsedMillis(),
          detail == null ? "" : "  " + detail);
      return detail == null ? "ok" : detail;
    } catch (IOException | RuntimeException e) {
      fail(name, e.getMessage());
      return null;
    }
  }

  private void fail(String name, String why) {
    failures++;
    System.out.printf("FAIL %-18s %6d ms  %s%n", name, elapsedMillis(), why);
  }

  private long elapsedMillis() {
    return System.currentTimeMillis() - startMillis;
  }

  private record Response(int status, String body) {}

  private Response request(String method, String path, String body) throws IOException {
    HttpURLConnection c = open(method, path);
    if (body != null) {
      send(c, body);
    }
    int status = c.getResponseCode();
    InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
    return new Response(status, read(in));
  }

  private HttpURLConnection open(String method, String path) throws IOException {
    var c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
    c.setRequestMethod(method);
    c.setConnectTimeout(2_000);
    c.setReadTimeout(60_000);
    return c;
  }

  private static void send(HttpURLConnection c, String body) throws IOException {
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    try (OutputStream out = c.getOutputStream()) {
      out.write(body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Response expect200(Response r) throws IOException {
    if (r.status != 200) {
      throw new IOException(r.status + " " + r.body);
    }
    return r;
  }

  private static void require(String body, String... parts) throws IOException {
    for (String part : parts) {
      if (!body.contains(part)) {
        throw new IOException("missing " + part + " in " + abbreviate(body));
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 400 ? s : s.substring(0, 400) + "...";
  }
}

package io.lckv.converter.golden;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden fixtures the Python reference writes ({@code converter/reference/README.md}):
 * small random checkpoints and the reference's float64 logits for them, rounded to float32.
 */
public final class GoldenFixtures {

  /** Where the fixtures are on the test classpath (copied from src/test/resources). */
  private static final String CLASSPATH_ROOT = "golden/index.json";

  private GoldenFixtures() {}

  /** Every fixture on the test classpath, in index order. */
  public static List<GoldenFixture> all() {
    return listedIn(classpathRoot());
  }

  public static GoldenFixture named(String name) {
    return all().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no golden fixture " + name));
  }

  /** The fixtures listed by {@code root/index.json}, for callers outside this module's tests. */
  public static List<GoldenFixture> listedIn(Path root) {
    JsonNode index = ManifestReader.json(root.resolve("index.json"));
    var fixtures = new ArrayList<GoldenFixture>();
    for (JsonNode entry : index.get("fixtures")) {
      fixtures.add(new GoldenFixture(
          entry.get("name").asText(),
          entry.get("family").asText(),
          entry.get("dtype").asText(),
          entry.get("format").asText(),
          root.resolve(entry.get("manifest").asText())));
    }
    return List.copyOf(fixtures);
  }

  private static Path classpathRoot() {
    URL index = GoldenFixtures.class.getClassLoader().getResource(CLASSPATH_ROOT);
    if (index == null) {
      throw new IllegalStateException(CLASSPATH_ROOT + " is not on the test classpath");
    }
    try {
      return Path.of(index.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

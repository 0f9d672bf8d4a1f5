package io.lckv.nativeops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The op library's native-image metadata: it lists exactly the downcall signatures {@link
 * NativeLibrary} binds (no more, so nothing stale, and no fewer, so no call fails in a native
 * executable), and the library resource {@link OpLibrary} extracts.
 */
class NativeImageMetadataTest {

  private static final String METADATA =
      "META-INF/native-image/io.lckv/lckv-native/reachability-metadata.json";

  /** The canonical layout names native-image's metadata uses for the layouts we pass. */
  private static final Map<MemoryLayout, String> LAYOUTS =
      Map.of(
          ValueLayout.JAVA_INT, "jint",
          ValueLayout.JAVA_LONG, "jlong",
          ValueLayout.ADDRESS, "void*");

  @Test
  void theDowncallsAreExactlyThoseTheLibraryBinds() throws IOException {
    Set<String> bound =
        NativeLibrary.bound().values().stream()
            .map(NativeImageMetadataTest::signature)
            .collect(Collectors.toCollection(TreeSet::new));
    assertTrue(bound.size() >= 5, "NativeLibrary binds the pool's C API: " + bound);

    Set<String> registered = new TreeSet<>();
    for (JsonNode downcall : metadata().path("foreign").path("downcalls")) {
      List<String> parameters = new ArrayList<>();
      downcall.path("parameterTypes").forEach(p -> parameters.add(p.asText()));
      registered.add(downcall.path("returnType").asText() + parameters);
    }
    assertEquals(bound, registered);
  }

  @Test
  void theLibraryResourceIsTheOneOpLibraryExtracts() throws IOException {
    JsonNode resources = metadata().path("resources");
    assertEquals(1, resources.size());
    String name = resources.get(0).path("glob").asText();
    assertEquals(OpLibrary.RESOURCE, "/" + name);
    assertNotNull(getClass().getClassLoader().getResource(name), "no resource " + name);
  }

  /** As the metadata writes a downcall: {@code jint[jlong, void*]}. */
  private static String signature(FunctionDescriptor descriptor) {
    String result = descriptor.returnLayout().map(NativeImageMetadataTest::name).orElse("void");
    return result
        + descriptor.argumentLayouts().stream().map(NativeImageMetadataTest::name).toList();
  }

  private static String name(MemoryLayout layout) {
    String name = LAYOUTS.get(layout.withoutName());
    assertNotNull(name, "a layout the metadata test does not know: " + layout);
    return name;
  }

  private static JsonNode metadata() throws IOException {
    try (InputStream in = NativeImageMetadataTest.class.getClassLoader().getResourceAsStream(METADATA)) {
      assertNotNull(in, "no " + METADATA);
      return new ObjectMapper().readTree(in);
    }
  }
}

package io.lckv.engine.nativeimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The engine's native-image metadata against the jars on the classpath: every type, constructor
 * and resource it names exists, and every Java class and constructor that ONNX Runtime's and
 * DJL's JNI libraries look up (their names are in the libraries' bytes) is registered for JNI. An
 * upgrade that adds a callback fails here instead of in a native executable at run time.
 */
class NativeImageMetadataTest {

  private static final String METADATA =
      "META-INF/native-image/io.lckv/lckv-engine/reachability-metadata.json";
  private static final List<String> JNI_LIBRARIES =
      List.of(
          "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so",
          "native/lib/linux-x86_64/cpu/libtokenizers.so");

  /** A class name as JNI's FindClass takes it, in the packages these libraries call back into. */
  private static final Pattern JNI_CLASS = Pattern.compile("(?:ai/onnxruntime/|ai/djl/|java/)");
  /** A constructor's JNI descriptor: what GetMethodID(class, "<init>", ...) takes. */
  private static final Pattern CONSTRUCTOR =
      Pattern.compile("\\((?:\\[*(?:[ZBCSIJFD]|L[A-Za-z0-9_/$]+;))*\\)V");

  private static final Map<String, Class<?>> PRIMITIVES =
      Map.of(
          "boolean", boolean.class, "byte", byte.class, "char", char.class, "short", short.class,
          "int", int.class, "long", long.class, "float", float.class, "double", double.class);

  /** One reflection entry, resolved. */
  private record Registration(Class<?> type, boolean jni, List<Constructor<?>> constructors) {

    String internalName() {
      return type.getName().replace('.', '/');
    }
  }

  @Test
  void everyTypeAndConstructorItNamesExists() {
    List<Registration> registrations = registrations();
    assertTrue(registrations.size() >= 10, "the metadata registers the JNI callbacks");
    for (JsonNode entry : metadata().path("reflection")) {
      for (JsonNode method : entry.path("methods")) {
        assertEquals(
            "<init>", method.path("name").asText(),
            "only constructors are registered: " + entry.path("type").asText());
      }
    }
  }

  @Test
  void everyResourceItNamesIsOnTheClasspath() {
    JsonNode resources = metadata().path("resources");
    assertTrue(resources.size() >= JNI_LIBRARIES.size(), "the native libraries are resources");
    for (JsonNode resource : resources) {
      String name = resource.path("glob").asText();
      assertTrue(!name.contains("*"), "resources are named exactly, so they can be checked: " + name);
      assertNotNull(getClass().getClassLoader().getResource(name), "no resource " + name);
    }
    for (String library : JNI_LIBRARIES) {
      assertTrue(
          resources.findValuesAsText("glob").contains(library), library + " is a resource");
    }
  }

  @Test
  void everyClassTheJniLibrariesLookUpIsRegisteredForJni() {
    Set<String> registered = jniTypes();
    for (String library : JNI_LIBRARIES) {
      assertEquals(Set.of(), unregisteredClasses(bytesOf(library), registered), library);
    }
  }

  @Test
  void everyConstructorTheJniLibrariesCallIsRegisteredForJni() {
    Set<String> registered = jniConstructors();
    for (String library : JNI_LIBRARIES) {
      assertEquals(Set.of(), unregisteredConstructors(bytesOf(library), registered), library);
    }
  }

  @Test
  void theScanFindsWhatTheLibrariesNeed() {
    String ort = bytesOf(JNI_LIBRARIES.get(0));
    Set<String> withoutException = new TreeSet<>(jniTypes());
    withoutException.remove("ai/onnxruntime/OrtException");
    assertEquals(Set.of("ai/onnxruntime/OrtException"), unregisteredClasses(ort, withoutException));

    Set<String> withoutTensor = new TreeSet<>(jniConstructors());
    withoutTensor.remove("(JJLai/onnxruntime/TensorInfo;)V");
    assertEquals(
        Set.of("(JJLai/onnxruntime/TensorInfo;)V"), unregisteredConstructors(ort, withoutTensor));
  }

  /**
   * Class names in a library that no registered type starts. A name inside a descriptor ({@code
   * Lai/...;}) is a parameter's type, not a class the library looks up, and is skipped.
   */
  private static Set<String> unregisteredClasses(String library, Set<String> registered) {
    Set<String> missing = new TreeSet<>();
    Matcher match = JNI_CLASS.matcher(library);
    while (match.find()) {
      int at = match.start();
      if (at > 0 && library.charAt(at - 1) == 'L') {
        continue;
      }
      if (registered.stream().noneMatch(name -> library.startsWith(name, at))) {
        missing.add(library.substring(at, Math.min(library.length(), at + 60)).split("\0")[0]);
      }
    }
    return missing;
  }

  private static Set<String> unregisteredConstructors(String library, Set<String> registered) {
    Set<String> missing = new TreeSet<>();
    Matcher match = CONSTRUCTOR.matcher(library);
    while (match.find()) {
      if (!registered.contains(match.group())) {
        missing.add(match.group());
      }
    }
    return missing;
  }

  private static Set<String> jniTypes() {
    return registrations().stream()
        .filter(Registration::jni)
        .map(Registration::internalName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> jniConstructors() {
    return registrations().stream()
        .filter(Registration::jni)
        .flatMap(r -> r.constructors().stream())
        .map(c -> MethodType.methodType(void.class, c.getParameterTypes()).toMethodDescriptorString())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Registration> registrations() {
    List<Registration> registrations = new ArrayList<>();
    for (JsonNode entry : metadata().path("reflection")) {
      Class<?> type = type(entry.path("type").asText());
      List<Constructor<?>> constructors = new ArrayList<>();
      for (JsonNode method : entry.path("methods")) {
        List<Class<?>> parameters = new ArrayList<>();
        method.path("parameterTypes").forEach(p -> parameters.add(type(p.asText())));
        try {
          constructors.add(type.getDeclaredConstructor(parameters.toArray(Class<?>[]::new)));
        } catch (NoSuchMethodException e) {
          throw new AssertionError("no constructor " + type.getName() + parameters, e);
        }
      }
      registrations.add(
          new Registration(type, entry.path("jniAccessible").asBoolean(false), constructors));
    }
    return registrations;
  }

  /** A type as the metadata writes it: a class name, a primitive, either with {@code []}s. */
  private static Class<?> type(String name) {
    if (name.endsWith("[]")) {
      return type(name.substring(0, name.length() - 2)).arrayType();
    }
    if (PRIMITIVES.containsKey(name)) {
      return PRIMITIVES.get(name);
    }
    try {
      return Class.forName(name, false, NativeImageMetadataTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError("the metadata names " + name + ", which is not on the classpath");
    }
  }

  private static JsonNode metadata() {
    try (InputStream in = resource(METADATA)) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A library's bytes as Latin-1 text, one char per byte, so that offsets are byte offsets. */
  private static String bytesOf(String library) {
    try (InputStream in = resource(library)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = NativeImageMetadataTest.class.getClassLoader().getResourceAsStream(name);
    assertNotNull(in, "no resource " + name);
    return in;
  }
}

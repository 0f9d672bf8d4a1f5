package io.lckv.converter.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FIPS 180-2's "abc" example, as a file and as a text. */
class Sha256Test {

  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @TempDir Path temp;

  @Test
  void aFileAndTheSameTextHashAlike() throws IOException {
    assertEquals(ABC, Sha256.of(Files.writeString(temp.resolve("abc"), "abc")));
    assertEquals(ABC, Sha256.ofText("abc"));
  }
}

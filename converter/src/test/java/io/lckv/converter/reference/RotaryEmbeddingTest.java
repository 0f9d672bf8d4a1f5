package io.lckv.converter.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lckv.converter.config.RopeScaling;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {

  private static final RopeScaling NONE = new RopeScaling.None();

  /**
   * Bits printed by the Python reference's {@code lckv_ref.rope.inv_freq} (float32 torch ops, as
   * Hugging Face computes them). The odd cases catch a float64 shortcut in any of its steps.
   *
   * <p>One deliberate difference: for theta 1e6 and head_dim 128 the reference prints 390e87fc at
   * j = 37. Its vectorised float32 pow is not correctly rounded there (1e6^0.578125 =
   * 2942.72717..., nearer 0x4537eba3 than its 0x4537eba2); torch's scalar path and glibc's powf
   * give 0x4537eba3, and with it 390e87fb.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      fixtures: head_dim 16|16|10000|none|0|0|0|0|3f800000 3ea1e89b 3dcccccd 3d0186e3 3c23d70a 3b4f3e38 3a83126f 39a5cb60
      linear x4|16|10000|linear|4|0|0|0|3e800000 3da1e89b 3ccccccd 3c0186e3 3b23d70a 3a4f3e38 3983126f 38a5cb60
      linear x3|16|10000|linear|3|0|0|0|3eaaaaab 3dd7e0cf 3d088889 3c2cb3d9 3b5a740d 3a8a297b 39aec33f 38dd0f2b
      llama3 fixture: all three bands|16|10000|llama3|8|1|4|256|3f800000 3ea1e89b 3dcccccd 3bd8b2c3 3aa3d70a 39cf3e38 3903126f 3825cb60
      TinyLlama head_dim 64|64|10000|none|0|0|0|0|3f800000 3f3ff911 3f0ff59a 3ed7e89b 3ea1e89b 3e72d423 3e361887 3e088d77 3dcccccd 3d99940d 3d6655c2 3d2cba15 3d0186e3 3cc2434f 3c91ad39 3c5a7bf2 3c23d70a 3bf5b9b0 3bb8449c 3b8a2e77 3b4f3e38 3b1b690d 3ae91528 3aaec98e 3a83126f 3a44948c 3a136a16 39dd1725 39a5cb60 3978a815 393a7753 390bd472
      Llama 3.1 head_dim 128|128|500000|llama3|8|1|4|8192|3f800000 3f508ac1 3f29e1c6 3f0a6384 3ee177bc 3eb7ab7d 3e959ee3 3e73c461 3e4693b0 3e21c3a0 3e03c6a0 3dd6b19c 3daee4ad 3d8e7898 3d681e67 3d3d1684 3d1a08c8 3cfaf53f 3ccc6f49 3ca68939 3c87a9c3 3c5d06ec 3c340d6d 3c12ac7f 3beef74f 3bc2aa76 3b9e9402 3b812e35 3b527720 3b0dfd06 3ab3d11d 3a60979e 3a0995d2 39a3f108 393b2dd2 38c86886 38a3418d 3884fdbf 3858ac81 38308199 380fc8f8 37ea426f 37bed4f4 379b7475 377d45c3 374e51f5 3728126b 3708ea0f 36df10c4 36b5b687 369406cb 36712b80 36447610 36200a69 36025f34 35d46808 35ad07a7 358cf400 3565a54d 353b12c7 351864a7 34f848c2 34ca41b0 34a4c2ff
      odd theta and llama3 factors|64|12345.678|llama3|3.3|1.3|3.7|300|3f800000 3f3eb683 3f0e136b 3ed3af68 3e9db319 3e6af6b3 3e2f0a9d 3e0266ab 3dc24a54 3d830e91 3d0d5f30 3c96d052 3c1e4d96 3bd826c2 3ba106dd 3b6febca 3b32bc0c 3b0526fd 3ac663bc 3a93cb75 3a5c34bd 3a240c22 39f46be9 39b61658 3987a666 394a1c6a 3916912e 38e0562f 38a71fe6 387901a5 383980bf 380a31cd
      theta 1e6 linear x2.5|128|1000000|linear|2.5|0|0|0|3ecccccd 3ea50957 3e84fe4d 3e5657e5 3e2cba16 3e0b30cc 3de054d3 3db4c691 3d91ad39 3d6ac8e8 3d3d3312 3d187705 3cf5b9ae 3cc6040f 3c9f91cc 3c80967e 3c4f3e38 3c270153 3c06946f 3bd8e673 3baec98e 3b8cd9db 3b6301e2 3b36ee9e 3b136a16 3aed95e3 3abf74d8 3a9a489e 3a78a815 3a4860c0 3a217916 3a021f2c 39d1b718 39a8ff53 39882f6a 395b7cd0 3930df51 390e87fb 38e5b71d 38b91d42 38952c42 38706b6d 3841bd82 381c1fc4 37fb9f6d 37cac4aa 37a36632 3783ac89 37543783 372b0367 3709cf4a 36de1b15 36b2fb72 36903b3e 3668749e 363b528e 3616f3ce 35f3499d 35c40d26 359dfc89 357e9fd3 354d2fe0 3525592e 35053ea3
      """)
  void inverseFrequenciesMatchThePythonReferenceBitForBit(String name, int headDim,
      double theta, String kind, double factor, double low, double high, int original,
      String bits) {
    RopeScaling scaling = switch (kind) {
      case "none" -> NONE;
      case "linear" -> new RopeScaling.Linear(factor);
      default -> new RopeScaling.Llama3(factor, low, high, original);
    };
    float[] frequencies = RotaryEmbedding.inverseFrequencies(headDim, theta, scaling);
    String actual = String.join(" ", toHex(frequencies));
    assertEquals(bits, actual);
  }

  private static String[] toHex(float[] values) {
    String[] hex = new String[values.length];
    Arrays.setAll(hex, j -> String.format("%08x", Float.floatToRawIntBits(values[j])));
    return hex;
  }

  @Test
  void rotateHalfTurnsChannelJTowardsChannelJPlusHalfInEveryHead() {
    var rope = new RotaryEmbedding(4, 10000, NONE); // frequencies 1 and 0.01
    double[] rotated = rope.at(1).applied(new double[] {1, 0, 0, 0, 0, 2, 0, 0});
    double slow = (float) 0.01;
    assertArrayEquals(new double[] {Math.cos(1), 0, Math.sin(1), 0,
        0, 2 * Math.cos(slow), 0, 2 * Math.sin(slow)}, rotated, 1e-16);
    double[] vector = {0.3, -1.2, 2.5, 0.7};
    assertArrayEquals(vector, rope.at(0).applied(vector), 0.0, "position 0 is the identity");
  }

  @Test
  void anglesAreFloat32Products() {
    var rope = new RotaryEmbedding(64, 10000, NONE);
    float[] frequencies = RotaryEmbedding.inverseFrequencies(64, 10000, NONE);
    double worstDrift = 0;
    for (int j = 0; j < 32; j++) {
      double[] unit = new double[64];
      unit[j] = 1;
      double cos = rope.at(2000).applied(unit)[j];
      assertEquals(Math.cos(2000f * frequencies[j]), cos, 0.0, "channel " + j);
      worstDrift = Math.max(worstDrift, Math.abs(cos - Math.cos(2000.0 * frequencies[j])));
    }
    assertTrue(worstDrift > 1e-6, "a float64 angle would differ visibly: " + worstDrift);
  }
}

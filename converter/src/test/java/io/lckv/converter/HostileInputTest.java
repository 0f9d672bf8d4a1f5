package io.lckv.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lckv.converter.checkpoint.DType;
import io.lckv.converter.fixtures.PickleWriter;
import io.lckv.converter.fixtures.SafetensorsWriter;
import io.lckv.converter.fixtures.TestTensor;
import io.lckv.converter.fixtures.TinyModel;
import io.lckv.converter.fixtures.TorchZipWriter;
import io.lckv.converter.fixtures.TorchZipWriter.StoredTensor;
import io.lckv.converter.model.ValidatedModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken and malicious checkpoint folders, each built here byte by byte. Every one must be
 * refused with a CheckpointException whose single-line message starts with the file at fault
 * and says what is wrong.
 */
class HostileInputTest {

  @TempDir Path dir;

  // ---- helpers -------------------------------------------------------------------------------

  /** Opens the folder as the converter does and expects a refusal naming {@code file}. */
  private void assertRefused(String file, String... fragments) {
    var e = assertThrows(CheckpointException.class, () -> {
      try (var model = ValidatedModel.open(dir)) {
        model.weights();
      }
    });
    String message = e.getMessage();
    assertFalse(message.contains("\n") || message.contains("\r"), "single line: " + message);
    Path expected = dir.resolve(file);
    assertEquals(expected, e.file(), message);
    assertTrue(message.startsWith(expected + ": "), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), "expected '" + fragment + "' in: " + message);
    }
  }

  private void config(UnaryOperator<ObjectNode> edit) {
    TinyModel.writeConfig(dir, edit.apply(TinyModel.config()));
  }

  private void goodConfig() {
    config(c -> c);
  }

  private void safetensors(List<TestTensor> tensors) {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), DType.F32, tensors);
  }

  private static List<TestTensor> tinyWeights() {
    return new ArrayList<>(TinyModel.tensors(false));
  }

  private static List<TestTensor> without(String name) {
    List<TestTensor> tensors = tinyWeights();
    assertTrue(tensors.removeIf(t -> t.name().equals(name)));
    return tensors;
  }

  /** A config-only case: good weights, so the refusal can only come from config.json. */
  private void badConfig(UnaryOperator<ObjectNode> edit, String... fragments) {
    config(edit);
    safetensors(tinyWeights());
    assertRefused("config.json", fragments);
  }

  private void rawSafetensors(String header, byte[] data) {
    goodConfig();
    SafetensorsWriter.writeRaw(dir.resolve("model.safetensors"), header, data);
  }

  private void rawBytes(String file, byte[] bytes) {
    goodConfig();
    SafetensorsWriter.writeBytes(dir.resolve(file), bytes);
  }

  /** A torch archive whose data.pkl is {@code pickle} and which holds {@code storages}. */
  private void torchArchive(byte[] pickle, String... storageEntriesAndSizes) {
    goodConfig();
    var entries = new LinkedHashMap<String, byte[]>();
    entries.put("archive/data.pkl", pickle);
    for (int i = 0; i < storageEntriesAndSizes.length; i += 2) {
      entries.put(storageEntriesAndSizes[i],
          new byte[Integer.parseInt(storageEntriesAndSizes[i + 1])]);
    }
    TorchZipWriter.writeZip(dir.resolve("pytorch_model.bin"), entries);
  }

  private static byte[] pickleCalling(PickleWriter globalPush) {
    return globalPush.mark().str("id").tuple().reduce().stop().bytes();
  }

  private void shardedSafetensors(String index) throws IOException {
    goodConfig();
    List<TestTensor> all = tinyWeights();
    SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), DType.F32,
        all.subList(0, 5));
    SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), DType.F32,
        all.subList(5, all.size()));
    Files.writeString(dir.resolve("model.safetensors.index.json"), index);
  }

  private static String weightMap(List<TestTensor> tensors, int split, String first,
      String second) {
    var map = TinyModel.JSON.createObjectNode();
    for (int i = 0; i < tensors.size(); i++) {
      map.put(tensors.get(i).name(), i < split ? first : second);
    }
    return TinyModel.JSON.createObjectNode().set("weight_map", map).toString();
  }

  private static byte[] le64(long value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
  }

  // ---- safetensors -----------------------------------------------------------------------------

  @Test
  void safetensorsShorterThanTheHeaderLength() {
    rawBytes("model.safetensors", new byte[] {1, 0, 0});
    assertRefused("model.safetensors", "is truncated: 3 bytes");
  }

  @Test
  void safetensorsWithAnOversizedHeaderLength() {
    rawBytes("model.safetensors", le64(1L << 40));
    assertRefused("model.safetensors", "declares a header of 1099511627776 bytes",
        "over the 104857600-byte limit");
  }

  @Test
  void safetensorsWithAHeaderLengthPastTheEnd() {
    byte[] bytes = Arrays.copyOf(le64(500), 8 + 20);
    rawBytes("model.safetensors", bytes);
    assertRefused("model.safetensors", "declares a header of 500 bytes but the file has 28");
  }

  @Test
  void safetensorsHeaderThatIsNotJson() {
    rawSafetensors("this is not json", new byte[0]);
    assertRefused("model.safetensors", "the header is not valid JSON");
  }

  @Test
  void safetensorsHeaderThatIsAJsonArray() {
    rawSafetensors("[1, 2]", new byte[0]);
    assertRefused("model.safetensors", "the header is not a JSON object");
  }

  @Test
  void safetensorsOffsetsOutsideTheFile() {
    rawSafetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
        new byte[8]);
    assertRefused("model.safetensors",
        "tensor \"w\" data_offsets [0, 16] lie outside the 8 data bytes");
  }

  @Test
  void safetensorsOverlappingTensors() {
    rawSafetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
        + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", new byte[12]);
    assertRefused("model.safetensors", "tensors \"a\" [0, 8) and \"b\" [4, 12) overlap");
  }

  @Test
  void safetensorsByteCountThatDisagreesWithDtypeAndShape() {
    rawSafetensors("{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 3], \"data_offsets\": [0, 24]}}",
        new byte[24]);
    assertRefused("model.safetensors",
        "tensor \"w\" is BF16 [2, 3], 12 bytes, but data_offsets [0, 24] hold 24");
  }

  @Test
  void safetensorsUnknownDtype() {
    rawSafetensors("{\"w\": {\"dtype\": \"Q4_K\", \"shape\": [2], \"data_offsets\": [0, 1]}}",
        new byte[1]);
    assertRefused("model.safetensors", "has dtype \"Q4_K\"; only F32, F16 and BF16 are supported");
  }

  @Test
  void safetensorsDuplicateTensorName() {
    rawSafetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
        + " \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", new byte[8]);
    assertRefused("model.safetensors", "the header is not valid JSON", "Duplicate field 'w'");
  }

  @Test
  void safetensorsNegativeShape() {
    rawSafetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1, 4], \"data_offsets\": [0, 0]}}",
        new byte[0]);
    assertRefused("model.safetensors",
        "shape [-1,4] has a size that is not a non-negative integer");
  }

  @Test
  void safetensorsTensorNameWithANewlineStaysOnOneLine() {
    rawSafetensors(
        "{\"evil\\nname\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [0, 8]}}",
        new byte[8]);
    assertRefused("model.safetensors", "tensor \"evil\\x0aname\" has dtype \"F64\"");
  }

  // ---- weight names and shapes (spec §2) ------------------------------------------------------

  @Test
  void aRequiredTensorIsMissing() {
    goodConfig();
    safetensors(without("model.layers.2.mlp.up_proj.weight"));
    assertRefused("model.safetensors", "tensor \"model.layers.2.mlp.up_proj.weight\" is missing");
  }

  @Test
  void anUnknownExtraTensor() {
    goodConfig();
    List<TestTensor> tensors = tinyWeights();
    tensors.add(TestTensor.of("model.layers.0.self_attn.q_proj.bias", 0, 8));
    safetensors(tensors);
    assertRefused("model.safetensors",
        "tensor \"model.layers.0.self_attn.q_proj.bias\" is not a weight of a Llama/LCKV model");
  }

  @Test
  void aShapeThatDisagreesWithTheConfig() {
    goodConfig();
    List<TestTensor> tensors = without("model.layers.1.self_attn.o_proj.weight");
    tensors.add(TestTensor.of("model.layers.1.self_attn.o_proj.weight", 0, 8, 4));
    safetensors(tensors);
    assertRefused("model.safetensors",
        "tensor \"model.layers.1.self_attn.o_proj.weight\" has shape [8, 4]",
        "config.json implies [hidden_size, num_attention_heads*head_dim] = [8, 8]");
  }

  @Test
  void aKvLayerWithoutItsKeyProjection() {
    goodConfig();
    safetensors(without("model.layers.3.self_attn.k_proj.weight"));
    assertRefused("model.safetensors", "\"model.layers.3.self_attn.k_proj.weight\" is missing",
        "layer 3 is a KV layer");
  }

  @Test
  void aKeyProjectionOnALayerNobodyReads() {
    goodConfig();
    List<TestTensor> tensors = tinyWeights();
    tensors.add(TestTensor.of("model.layers.1.self_attn.k_proj.weight", 0, 4, 8));
    safetensors(tensors);
    assertRefused("model.safetensors", "belongs to layer 1, which is not a KV layer",
        "KV layers: [0, 3]");
  }

  @Test
  void aTensorForALayerBeyondTheConfig() {
    goodConfig();
    List<TestTensor> tensors = tinyWeights();
    tensors.add(TestTensor.of("model.layers.4.input_layernorm.weight", 0, 8));
    safetensors(tensors);
    assertRefused("model.safetensors",
        "belongs to layer 4 but num_hidden_layers in config.json is 4");
  }

  @Test
  void anUntiedModelWithoutLmHead() {
    goodConfig();
    safetensors(without("lm_head.weight"));
    assertRefused("model.safetensors", "\"lm_head.weight\" is missing",
        "tie_word_embeddings is false");
  }

  @Test
  void hugeDeclaredSizesTheWeightsCannotHold() {
    config(c -> c.put("hidden_size", 65536).put("vocab_size", 4_000_000));
    safetensors(tinyWeights());
    assertRefused("config.json", "hidden_size 65536", "vocab_size 4000000",
        "but model.safetensors holds only");
  }

  // ---- config.json ----------------------------------------------------------------------------

  @Test
  void layerTypesWithAnEmptyToken() {
    badConfig(c -> c.put("layer_types", "0__3_3"), "layer_types token 1 is empty");
  }

  @Test
  void layerTypesWithANonInteger() {
    badConfig(c -> c.put("layer_types", "0_x_3_3"),
        "layer_types token 1 \"x\" is not a layer index optionally followed by s");
  }

  @Test
  void layerTypesWithANegativeIndex() {
    badConfig(c -> c.put("layer_types", "0_-1_3_3"),
        "layer_types token 1 \"-1\" is not a layer index");
  }

  @Test
  void layerTypesReadingALayerOutOfRange() {
    badConfig(c -> c.put("layer_types", "0_3_3_9"),
        "layer_types token 3 reads layer 9 but there are only 4 layers");
  }

  @Test
  void layerTypesWithTheWrongCount() {
    badConfig(c -> c.put("layer_types", "0_2_2"),
        "layer_types has 3 tokens but num_hidden_layers is 4");
  }

  @Test
  void layerTypesThatIsNotAString() {
    badConfig(c -> {
      c.putArray("layer_types").add(0).add(3).add(3).add(3);
      return c;
    }, "layer_types must be a string, got [0,3,3,3]");
  }

  @Test
  void aBareNaN() throws IOException {
    goodConfig();
    Path config = dir.resolve("config.json");
    Files.writeString(config, Files.readString(config).replace("1.0E-5", "NaN"));
    safetensors(tinyWeights());
    assertRefused("config.json", "rms_norm_eps must be finite, got NaN");
  }

  @Test
  void infinityAsAString() {
    badConfig(c -> c.put("rope_theta", "Infinity"),
        "rope_theta must be a number, got the string \"Infinity\"");
  }

  @Test
  void aFloatThatOverflowsToInfinity() throws IOException {
    goodConfig();
    Path config = dir.resolve("config.json");
    Files.writeString(config, Files.readString(config).replace("10000.0", "1e999"));
    safetensors(tinyWeights());
    assertRefused("config.json", "rope_theta must be finite");
  }

  @Test
  void anIntegerBeyondAnyRange() {
    badConfig(c -> c.put("hidden_size", new java.math.BigInteger("99999999999999999999")),
        "hidden_size must be between 1 and 65536, got 99999999999999999999");
  }

  @Test
  void aNegativeDimension() {
    badConfig(c -> c.put("intermediate_size", -12), "intermediate_size must be between 1 and");
  }

  @Test
  void aFractionalDimension() {
    badConfig(c -> c.put("num_attention_heads", 2.5),
        "num_attention_heads must be an integer, got 2.5");
  }

  @Test
  void kvHeadsThatDoNotDivideTheHeads() {
    badConfig(c -> c.put("num_attention_heads", 3).put("num_key_value_heads", 2),
        "num_key_value_heads (2) must divide num_attention_heads (3)");
  }

  @Test
  void aNonPositiveNormEpsilon() {
    badConfig(c -> c.put("rms_norm_eps", 0), "rms_norm_eps must be greater than 0, got 0");
  }

  @Test
  void anUnknownModelType() {
    badConfig(c -> c.put("model_type", "mistral"),
        "model_type \"mistral\" is not lckv-llama, llama or opt-llama");
  }

  @Test
  void optLlamaWithTwoTargetCodes() {
    badConfig(c -> c.put("model_type", "opt-llama").put("layer_types", "0_2_1_2"),
        "layer_types marks layer 1 as the target (code 2) but target_layer is 3");
  }

  @Test
  void optLlamaWhoseTargetCodeIsNotTheTargetLayer() {
    badConfig(c -> c.put("model_type", "opt-llama").put("layer_types",
        "0_1_2_0").put("target_layer", -1),
        "marks layer 2 as the target (code 2) but target_layer is 3");
  }

  @Test
  void optLlamaWithoutATargetCode() {
    badConfig(c -> c.put("model_type", "opt-llama").put("layer_types", "0_1_1_1"),
        "marks no layer with code 2");
  }

  @Test
  void optLlamaWithAnUnknownCode() {
    badConfig(c -> c.put("model_type", "opt-llama").put("layer_types", "0_1_3_2"),
        "code 2 \"3\" is not 0, 1 or 2");
  }

  @Test
  void dynamicRopeScaling() {
    badConfig(c -> {
      c.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
      return c;
    }, "rope_scaling.type \"dynamic\" is not supported");
  }

  @Test
  void unknownRopeScaling() {
    badConfig(c -> {
      c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 2.0);
      return c;
    }, "rope_scaling.rope_type \"yarn\" is not a supported rope scaling");
  }

  @Test
  void aConfigThatIsNotJson() {
    rawBytes("config.json", "{\"model_type\": ".getBytes());
    safetensors(tinyWeights());
    assertRefused("config.json", "the file is not valid JSON");
  }

  @Test
  void aConfigWithADuplicatedField() throws IOException {
    goodConfig();
    Path config = dir.resolve("config.json");
    Files.writeString(config, Files.readString(config).replace("{", "{\"hidden_size\": 4096,"));
    safetensors(tinyWeights());
    assertRefused("config.json", "Duplicate field 'hidden_size'");
  }

  @Test
  void anEosIdOutsideTheVocabulary() {
    badConfig(c -> c.put("eos_token_id", 16), "eos_token_id must be between 0 and 15, got 16");
  }

  // ---- sharded indexes -------------------------------------------------------------------------

  @Test
  void anIndexNamingAMissingShard() throws IOException {
    List<TestTensor> all = tinyWeights();
    shardedSafetensors(weightMap(all, 5, "model-00001-of-00002.safetensors",
        "model-00003-of-00002.safetensors"));
    assertRefused("model.safetensors.index.json",
        "names shard \"model-00003-of-00002.safetensors\", which does not exist");
  }

  @Test
  void anIndexPointingATensorToTheWrongShard() throws IOException {
    List<TestTensor> all = tinyWeights();
    shardedSafetensors(weightMap(all, 6, "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors"));
    assertRefused("model.safetensors.index.json",
        "places tensor \"" + all.get(5).name() + "\" in shard \"model-00001-of-00002.safetensors\","
            + " which does not hold it");
  }

  @Test
  void aShardHoldingATensorTheIndexDoesNotPlaceThere() throws IOException {
    List<TestTensor> all = tinyWeights();
    shardedSafetensors(weightMap(all.subList(1, all.size()), 4,
        "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"));
    assertRefused("model.safetensors.index.json",
        "does not place tensor \"" + all.get(0).name() + "\" in shard");
  }

  @Test
  void anIndexNamingAShardOutsideTheFolder() throws IOException {
    shardedSafetensors("{\"weight_map\": {\"model.norm.weight\": \"../elsewhere.safetensors\"}}");
    assertRefused("model.safetensors.index.json",
        "names shard \"../elsewhere.safetensors\", which is not a file name in the checkpoint"
            + " folder");
  }

  // ---- torch archives and their pickles -------------------------------------------------------

  @Test
  void pickleGlobalOsSystem() {
    torchArchive(pickleCalling(new PickleWriter().proto(2).global("os", "system")));
    assertRefused("pytorch_model.bin", "archive/data.pkl: refused global \"os.system\"",
        "(byte 2)");
  }

  @Test
  void pickleGlobalPosixSystem() {
    torchArchive(pickleCalling(new PickleWriter().proto(2).global("posix", "system")));
    assertRefused("pytorch_model.bin", "refused global \"posix.system\"");
  }

  @Test
  void pickleStackGlobalBuiltinsEval() {
    torchArchive(pickleCalling(new PickleWriter().proto(4).stackGlobal("builtins", "eval")));
    assertRefused("pytorch_model.bin", "refused global \"builtins.eval\"");
  }

  @Test
  void pickleStackGlobalOsSystemHiddenBehindTheMemo() {
    var p = new PickleWriter().proto(4).shortStr("os").put(0).shortStr("system").put(1)
        .op('h').op(0).op('h').op(1).op(0x93);
    torchArchive(pickleCalling(p));
    assertRefused("pytorch_model.bin", "refused global \"os.system\"");
  }

  @Test
  void pickleReduceOfAnAllowedNameThatIsNotACallable() {
    torchArchive(pickleCalling(new PickleWriter().proto(2).global("torch", "FloatStorage")));
    assertRefused("pytorch_model.bin",
        "REDUCE of torch.FloatStorage, a storage type, which is not called");
  }

  @Test
  void pickleReduceOfAString() {
    torchArchive(pickleCalling(new PickleWriter().proto(2).str("os.system")));
    assertRefused("pytorch_model.bin",
        "REDUCE of the string \"os.system\", which is not an allowed callable");
  }

  @Test
  void pickleWithAnOpcodeAStateDictNeverUses() {
    var p = new PickleWriter().proto(2).op('i');
    p.op('o').op('s').op('\n');
    torchArchive(p.stop().bytes());
    assertRefused("pytorch_model.bin", "pickle opcode 0x69 ('i') is not one a state dict uses");
  }

  @Test
  void pickleThatEndsEarly() {
    torchArchive(new PickleWriter().proto(2).op('X').op(200).op(0).op(0).op(0).bytes());
    assertRefused("pytorch_model.bin", "the pickle ends early");
  }

  @Test
  void pickleThatIsNotAStateDict() {
    torchArchive(new PickleWriter().proto(2).str("hello").stop().bytes());
    assertRefused("pytorch_model.bin", "holds the string \"hello\", not a state dict");
  }

  @Test
  void pickleStorageKeyThatClimbsOutOfTheArchive() {
    var t = StoredTensor.contiguous("model.norm.weight", "../../etc/passwd", DType.F32, 8);
    torchArchive(TorchZipWriter.stateDictPickle(List.of(t)));
    assertRefused("pytorch_model.bin",
        "storage key \"../../etc/passwd\" is not a plain name inside the archive");
  }

  @Test
  void zipEntryThatClimbsOutOfTheArchive() {
    torchArchive(TorchZipWriter.stateDictPickle(List.of()), "archive/../../evil", "4");
    assertRefused("pytorch_model.bin", "entry \"archive/../../evil\" points outside the archive");
  }

  @Test
  void zipThatIsTruncated() throws IOException {
    TorchZipWriter.write(dir.resolve("pytorch_model.bin"), DType.F32, tinyWeights());
    byte[] whole = Files.readAllBytes(dir.resolve("pytorch_model.bin"));
    rawBytes("pytorch_model.bin", Arrays.copyOf(whole, whole.length / 2));
    assertRefused("pytorch_model.bin", "is not a readable zip archive (truncated or damaged)");
  }

  @Test
  void legacyTorchSerialization() {
    rawBytes("pytorch_model.bin", new PickleWriter().proto(2).op('N').stop().bytes());
    assertRefused("pytorch_model.bin", "uses torch's legacy (pre-1.6) format");
  }

  @Test
  void storageShorterThanTheTensorNeeds() {
    var t = new StoredTensor("model.norm.weight", "0", DType.F32, 6, 0, new long[] {8},
        new long[] {1});
    torchArchive(TorchZipWriter.stateDictPickle(List.of(t)), "archive/data/0", "24");
    assertRefused("pytorch_model.bin",
        "tensor \"model.norm.weight\" needs elements [0, 0 + 8) of storage 0, which has only 6");
  }

  @Test
  void storageEntrySmallerThanItsDeclaredSize() {
    var t = StoredTensor.contiguous("model.norm.weight", "0", DType.BF16, 8);
    torchArchive(TorchZipWriter.stateDictPickle(List.of(t)), "archive/data/0", "10");
    assertRefused("pytorch_model.bin",
        "archive/data/0 holds 10 bytes but its storage declares 8 BF16 elements (16 bytes)");
  }

  @Test
  void storageMissingFromTheArchive() {
    var t = StoredTensor.contiguous("model.norm.weight", "7", DType.F32, 8);
    torchArchive(TorchZipWriter.stateDictPickle(List.of(t)));
    assertRefused("pytorch_model.bin",
        "uses storage archive/data/7, which the archive does not hold");
  }

  @Test
  void aTransposedTensorIsNotContiguous() {
    var t = new StoredTensor("model.layers.0.self_attn.q_proj.weight", "0", DType.F32, 64, 0,
        new long[] {8, 8}, new long[] {1, 8});
    torchArchive(TorchZipWriter.stateDictPickle(List.of(t)), "archive/data/0", "256");
    assertRefused("pytorch_model.bin", "is not contiguous (shape [8, 8], stride [1, 8])");
  }
}

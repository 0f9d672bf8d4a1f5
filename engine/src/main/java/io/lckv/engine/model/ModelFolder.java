package io.lckv.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lckv.converter.output.RuntimeConfig;
import io.lckv.nativeops.OpLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A converted model folder (what {@code lckv-convert} writes), checked and read: the parts of
 * {@code runtime-config.json} the engine needs. Opening refuses a folder whose graph was written
 * for another op contract than the loaded op library's, since the op's inputs or semantics may
 * differ.
 *
 * @param folder the folder
 * @param modelFile the ONNX graph
 * @param weightsFile the graph's external weights
 * @param tokenizerFile {@code tokenizer.json}, when the checkpoint had one
 * @param vocabSize logits per row
 * @param numKvLayers layers whose keys/values the pool stores
 * @param numKvHeads key/value heads per KV layer
 * @param headDim dimension of one head
 * @param maxPositionEmbeddings most cache entries one sequence may hold
 * @param maxPasses M of spec §4
 * @param useSequential reference mode runs P = n for every span
 * @param eosTokenIds generation stops at these
 * @param weightDtype fp32, fp16 or int8, as converted
 * @param opsVersion the op contract the graph was written against
 */
public record ModelFolder(
    Path folder,
    Path modelFile,
    Path weightsFile,
    Optional<Path> tokenizerFile,
    int vocabSize,
    int numKvLayers,
    int numKvHeads,
    int headDim,
    int maxPositionEmbeddings,
    int maxPasses,
    boolean useSequential,
    List<Integer> eosTokenIds,
    String weightDtype,
    String opsVersion) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelFolder {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Whether {@code folder} holds a converted model (rather than, say, a checkpoint). */
  public static boolean isConverted(Path folder) {
    return Files.isRegularFile(folder.resolve(RuntimeConfig.FILE_NAME));
  }

  public static ModelFolder open(Path folder) {
    Path configFile = folder.resolve(RuntimeConfig.FILE_NAME);
    if (!Files.isRegularFile(configFile)) {
      throw new ModelLoadException(folder + ": not a converted model folder (no "
          + RuntimeConfig.FILE_NAME + ")");
    }
    JsonNode root;
    try {
      root = JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new ModelLoadException(configFile + ": cannot read: " + e.getMessage(), e);
    }
    var fields = new Fields(configFile, root);
    int schema = fields.integer("/schema_version", 1, Integer.MAX_VALUE);
    if (schema != RuntimeConfig.SCHEMA_VERSION) {
      throw new ModelLoadException(configFile + ": schema_version " + schema + " is not "
          + RuntimeConfig.SCHEMA_VERSION + ", the one this engine reads; convert the checkpoint"
          + " again with this release");
    }
    String opsVersion = fields.text("/onnx/lckv_ops_version");
    if (!opsVersion.equals(OpLibrary.version())) {
      throw new ModelLoadException(configFile + ": the graph was written for op contract "
          + opsVersion + " but the op library is " + OpLibrary.version()
          + "; convert the checkpoint again with this release");
    }
    Path model = fields.file(folder, "/files/model");
    Path weights = fields.file(folder, "/files/weights");
    Path tokenizer = folder.resolve("tokenizer.json");
    int vocab = fields.integer("/dimensions/vocab_size", 1, Integer.MAX_VALUE);
    return new ModelFolder(
        folder,
        model,
        weights,
        Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty(),
        vocab,
        fields.arraySize("/kv_layers"),
        fields.integer("/dimensions/num_key_value_heads", 1, 4096),
        fields.integer("/dimensions/head_dim", 1, 4096),
        fields.integer("/max_position_embeddings", 1, Integer.MAX_VALUE),
        fields.integer("/passes/max_passes", 1, Integer.MAX_VALUE),
        fields.bool("/passes/use_sequential"),
        fields.tokenIds("/tokens/eos_token_ids", vocab),
        fields.text("/onnx/weight_dtype"),
        opsVersion);
  }

  /** Field access where every refusal names the file and the JSON pointer. */
  private record Fields(Path file, JsonNode root) {

    ModelLoadException error(String pointer, String problem) {
      return new ModelLoadException(file + ": " + pointer.substring(1).replace('/', '.') + " "
          + problem);
    }

    JsonNode required(String pointer) {
      JsonNode node = root.at(pointer);
      if (node.isMissingNode() || node.isNull()) {
        throw error(pointer, "is required");
      }
      return node;
    }

    int integer(String pointer, int min, int max) {
      JsonNode node = required(pointer);
      if (!node.isIntegralNumber() || !node.canConvertToInt()
          || node.intValue() < min || node.intValue() > max) {
        throw error(pointer, "must be an integer in [" + min + ", " + max + "], got " + node);
      }
      return node.intValue();
    }

    boolean bool(String pointer) {
      JsonNode node = required(pointer);
      if (!node.isBoolean()) {
        throw error(pointer, "must be true or false, got " + node);
      }
      return node.booleanValue();
    }

    String text(String pointer) {
      JsonNode node = required(pointer);
      if (!node.isTextual()) {
        throw error(pointer, "must be a string, got " + node);
      }
      return node.textValue();
    }

    int arraySize(String pointer) {
      JsonNode node = required(pointer);
      if (!node.isArray() || node.isEmpty()) {
        throw error(pointer, "must be a non-empty array");
      }
      return node.size();
    }

    List<Integer> tokenIds(String pointer, int vocab) {
      JsonNode node = required(pointer);
      if (!node.isArray()) {
        throw error(pointer, "must be an array of token ids");
      }
      var ids = new ArrayList<Integer>();
      for (JsonNode id : node) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0
            || id.intValue() >= vocab) {
          throw error(pointer, "holds " + id + ", not a token id below the vocabulary size "
              + vocab);
        }
        ids.add(id.intValue());
      }
      return ids;
    }

    Path file(Path folder, String pointer) {
      String name = text(pointer);
      Path path = folder.resolve(name).normalize();
      if (!path.startsWith(folder.normalize()) || !Files.isRegularFile(path)) {
        throw error(pointer, "names " + name + ", which is not a file in " + folder);
      }
      return path;
    }
  }
}

package io.lckv.server.model;

import java.nio.file.Path;

/**
 * What a {@link ModelBackend} is asked to open, from {@code lckv.*}.
 *
 * @param path the model folder ({@code lckv.model-path}): converted, or a Hugging Face checkpoint
 * @param device where to run it
 * @param kvCacheBytes byte budget of the paged KV pool the runner allocates
 * @param kvBlockSize token slots per pool block
 * @param cacheDirectory where a checkpoint is converted to, once ({@code lckv.model-cache})
 * @param cpuThreads ONNX Runtime intra-op threads on the CPU ({@code lckv.cpu-threads})
 * @param keepPrepackedWeights keep the CPU's packed weights in the cache directory ({@code
 *     lckv.keep-prepacked-weights})
 */
public record ModelOptions(
    Path path, Device device, long kvCacheBytes, int kvBlockSize, Path cacheDirectory,
    int cpuThreads, boolean keepPrepackedWeights) {}

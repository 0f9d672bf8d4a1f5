package io.lckv.server.model;

import java.nio.file.Path;

/**
 * What a {@link ModelBackend} is asked to open, from {@code lckv.*}.
 *
 * @param path the model folder ({@code lckv.model-path})
 * @param device where to run it
 * @param kvCacheBytes byte budget of the paged KV pool the runner allocates
 * @param kvBlockSize token slots per pool block
 */
public record ModelOptions(Path path, Device device, long kvCacheBytes, int kvBlockSize) {}

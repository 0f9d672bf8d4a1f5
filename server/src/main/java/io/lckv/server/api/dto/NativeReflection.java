package io.lckv.server.api.dto;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * For a native image: Jackson reads and writes these records by reflection, and most of them never
 * appear in a resource method's signature, where Quarkus would find them by itself. Nested records
 * are registered with their outer ones.
 */
@RegisterForReflection(
    targets = {
      ChatCompletion.class,
      ChatCompletionChunk.class,
      ChatCompletionRequest.class,
      ChatLogprobs.class,
      Completion.class,
      CompletionRequest.class,
      ErrorBody.class,
      ModelList.class,
      StreamOptions.class,
      StreamingLlm.class,
      TokenUsage.class
    })
final class NativeReflection {

  private NativeReflection() {}
}

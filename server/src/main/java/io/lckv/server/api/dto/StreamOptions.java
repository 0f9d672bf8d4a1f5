package io.lckv.server.api.dto;

/** {@code stream_options}: with {@code include_usage}, a last chunk carries the token counts. */
public record StreamOptions(Boolean includeUsage) {}

package io.lckv.server.chat;

/** One turn of a conversation as a chat template sees it: a role and its text. */
public record ChatMessage(String role, String content) {}

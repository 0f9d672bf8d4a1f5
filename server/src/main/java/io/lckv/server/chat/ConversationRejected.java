package io.lckv.server.chat;

/**
 * The model's chat template refused the conversation with {@code raise_exception} (e.g. roles
 * that do not alternate): the client's mistake, so a 400.
 */
public final class ConversationRejected extends RuntimeException {

  ConversationRejected(String message) {
    super(message);
  }
}

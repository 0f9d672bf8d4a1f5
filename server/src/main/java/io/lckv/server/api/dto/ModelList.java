package io.lckv.server.api.dto;

import java.util.List;

/** {@code GET /v1/models}. */
public record ModelList(String object, List<Card> data) {

  /** @param created when the model became ready, in Unix seconds */
  public record Card(String id, String object, long created, String ownedBy) {}
}

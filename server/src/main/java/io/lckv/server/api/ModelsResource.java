package io.lckv.server.api;

import io.lckv.server.api.dto.ModelList;
import io.lckv.server.model.Serving;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The one model this server serves, once it is ready. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

  private final Generations generations;

  ModelsResource(Generations generations) {
    this.generations = generations;
  }

  @GET
  public ModelList list() {
    return new ModelList("list", List.of(card(generations.serving())));
  }

  @GET
  @Path("/{model}")
  public ModelList.Card get(@PathParam("model") String model) {
    Serving serving = generations.serving();
    if (!serving.name().equals(model)) {
      throw ApiException.unknownModel(model);
    }
    return card(serving);
  }

  private static ModelList.Card card(Serving serving) {
    return new ModelList.Card(
        serving.name(), "model", serving.readySince().getEpochSecond(), "lckv-serve");
  }
}

package io.lckv.server.api;

import io.lckv.engine.GenerationEvent;
import java.util.List;
import java.util.Optional;

/** How one endpoint writes a generation: as one JSON answer, or as stream chunks. */
interface AnswerFormat {

  /** The answer to a request without {@code stream}. */
  Object whole(Generation.Output output);

  /** Chunks before the first token (chat's role chunk). */
  List<Object> opening();

  /** The chunk for a token, if it has anything to show. */
  Optional<Object> token(GenerationEvent.Token token);

  /** The last chunks of a request that ended well: rest of the text, finish, usage. */
  List<Object> closing(GenerationEvent.Finished end);
}

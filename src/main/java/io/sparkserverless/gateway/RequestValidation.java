package io.sparkserverless.gateway;

import static java.util.Objects.requireNonNull;

import io.sparkserverless.config.LaneSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.sparkproject.connect.grpc.Status;

/**
 * Checks one ExecutePlan before anything else of it is read: its user against the token's, its
 * tags, its lane hints and its operation id. Pure: a request in, a {@link Result} out.
 */
final class RequestValidation {
  static final int MAX_TAGS = 32;
  static final int MAX_TAG_LENGTH = 256;

  /** What validation found. */
  sealed interface Result {
    /**
     * A request the gateway may classify.
     *
     * @param operationId the request's operation id in canonical form, or a new one
     * @param keptTags the client's tags without lane tags
     * @param hint the lane a tag or the header asked for (the header wins)
     */
    record Valid(String user, String sessionId, String operationId, List<String> keptTags,
        Optional<LaneSpec> hint) implements Result {
      public Valid {
        requireNonNull(user, "user is null");
        requireNonNull(sessionId, "sessionId is null");
        requireNonNull(operationId, "operationId is null");
        keptTags = List.copyOf(keptTags);
        requireNonNull(hint, "hint is null");
      }
    }

    /** A request to close with this status; the message is for the client. */
    record Invalid(Status.Code code, String message) implements Result {
      public Invalid {
        requireNonNull(code, "code is null");
        requireNonNull(message, "message is null");
      }
    }
  }

  private RequestValidation() {}

  /**
   * @param verifiedUser the token's user when tokens are configured
   * @param laneHeader the x-serverless-lane header, or null
   * @param newOperationIds ids for requests that carry none
   */
  static Result validate(ExecutePlanRequest request, Optional<String> verifiedUser, String laneHeader,
      Lanes lanes, Supplier<UUID> newOperationIds) {
    String user = request.getUserContext().getUserId();
    if (verifiedUser.isPresent() && !verifiedUser.get().equals(user)) {
      return new Result.Invalid(Status.Code.PERMISSION_DENIED, "user_id '" + abbreviate(user)
          + "' is not the user of this token; connect with user_id=" + verifiedUser.get());
    }
    if (request.getTagsCount() > MAX_TAGS) {
      return invalid("an operation may carry at most " + MAX_TAGS + " tags, this one has "
          + request.getTagsCount());
    }
    List<String> keptTags = new ArrayList<>();
    Optional<LaneSpec> hint = Optional.empty();
    for (String tag : request.getTagsList()) {
      if (tag.isEmpty() || tag.contains(",") || tag.length() > MAX_TAG_LENGTH) {
        return invalid("tag '" + abbreviate(tag) + "' is not allowed: tags must be non-empty, at most "
            + MAX_TAG_LENGTH + " characters, without commas");
      }
      if (tag.startsWith(Lane.TAG_PREFIX)) {
        String name = tag.substring(Lane.TAG_PREFIX.length());
        Optional<LaneSpec> lane = lanes.named(name);
        if (lane.isEmpty()) {
          return invalid("unknown lane '" + abbreviate(name) + "' in tag '" + abbreviate(tag)
              + "': lanes are " + lanes.names());
        }
        hint = lane;
      } else {
        keptTags.add(tag);
      }
    }
    if (laneHeader != null) {
      Optional<LaneSpec> lane = lanes.named(laneHeader.trim());
      if (lane.isEmpty()) {
        return invalid("unknown lane '" + abbreviate(laneHeader) + "' in header x-serverless-lane:"
            + " lanes are " + lanes.names());
      }
      hint = lane;
    }
    String operationId = request.hasOperationId() ? request.getOperationId()
        : newOperationIds.get().toString();
    try {
      operationId = UUID.fromString(operationId).toString();
    } catch (IllegalArgumentException e) {
      return invalid("operation_id '" + abbreviate(operationId) + "' is not a UUID");
    }
    return new Result.Valid(user, request.getSessionId(), operationId, keptTags, hint);
  }

  private static Result invalid(String message) {
    return new Result.Invalid(Status.Code.INVALID_ARGUMENT, message);
  }

  /** One line of at most 64 characters, control characters replaced: safe to log and to echo. */
  static String abbreviate(String text) {
    String clean = text.replaceAll("[\\p{Cntrl}]", "?");
    return clean.length() <= 64 ? clean : clean.substring(0, 61) + "...";
  }
}

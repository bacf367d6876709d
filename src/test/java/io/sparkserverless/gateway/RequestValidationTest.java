package io.sparkserverless.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkproject.connect.grpc.Status;

class RequestValidationTest {
  private static final String OPERATION = "6F1C2A52-3C4E-4D4E-9A55-0D2B0B5E8C11";
  private static final UUID NEW_ID = UUID.fromString("00000000-0000-4000-8000-000000000001");

  private static ExecutePlanRequest.Builder request() {
    return ExecutePlanRequest.newBuilder().setSessionId("session-1").setOperationId(OPERATION)
        .setUserContext(UserContext.newBuilder().setUserId("alice"));
  }

  private static RequestValidation.Result validate(ExecutePlanRequest request, Optional<String> verified,
      String header) {
    return RequestValidation.validate(request, verified, header, TestLanes.DEFAULT, () -> NEW_ID);
  }

  static Stream<Arguments> refused() {
    ExecutePlanRequest.Builder manyTags = request();
    for (int i = 0; i <= RequestValidation.MAX_TAGS; i++) {
      manyTags.addTags("t" + i);
    }
    return Stream.of(
        Arguments.of("a user_id that is not the token's", request().build(), Optional.of("bob"), null,
            Status.Code.PERMISSION_DENIED, "connect with user_id=bob"),
        Arguments.of("too many tags", manyTags.build(), Optional.empty(), null,
            Status.Code.INVALID_ARGUMENT, "at most 32 tags"),
        Arguments.of("an empty tag", request().addTags("").build(), Optional.empty(), null,
            Status.Code.INVALID_ARGUMENT, "non-empty"),
        Arguments.of("a tag with a comma", request().addTags("a,b").build(), Optional.empty(), null,
            Status.Code.INVALID_ARGUMENT, "without commas"),
        Arguments.of("a tag too long", request().addTags("x".repeat(257)).build(), Optional.empty(), null,
            Status.Code.INVALID_ARGUMENT, "at most 256 characters"),
        Arguments.of("a lane tag of no lane", request().addTags("serverless-lane-vip").build(),
            Optional.empty(), null, Status.Code.INVALID_ARGUMENT, "lanes are interactive, etl"),
        Arguments.of("a lane header of no lane", request().build(), Optional.empty(), "vip",
            Status.Code.INVALID_ARGUMENT, "in header x-serverless-lane"),
        Arguments.of("an operation id that is not a UUID", request().setOperationId("op-1").build(),
            Optional.empty(), null, Status.Code.INVALID_ARGUMENT, "is not a UUID"),
        Arguments.of("control characters, echoed harmlessly", request().setOperationId("a\nb").build(),
            Optional.empty(), null, Status.Code.INVALID_ARGUMENT, "'a?b'"));
  }

  @ParameterizedTest(name = "{0} is refused")
  @MethodSource("refused")
  void refusesARequestNamingWhatIsWrong(String name, ExecutePlanRequest request, Optional<String> verified,
      String header, Status.Code code, String messageContains) {
    RequestValidation.Result.Invalid invalid =
        assertInstanceOf(RequestValidation.Result.Invalid.class, validate(request, verified, header));

    assertEquals(code, invalid.code(), invalid.message());
    assertTrue(invalid.message().contains(messageContains), invalid.message());
  }

  @Test
  void aValidRequestKeepsItsOwnTagsAndGivesItsLaneHintAndACanonicalOperationId() {
    RequestValidation.Result result = validate(request().addTags("mine").addTags("serverless-lane-etl")
        .build(), Optional.of("alice"), null);

    assertEquals(new RequestValidation.Result.Valid("alice", "session-1", OPERATION.toLowerCase(java.util.Locale.ROOT),
        List.of("mine"), Optional.of(TestLanes.ETL)), result);
  }

  @Test
  void theHeaderHintWinsOverATagHint() {
    RequestValidation.Result.Valid valid = assertInstanceOf(RequestValidation.Result.Valid.class,
        validate(request().addTags("serverless-lane-etl").build(), Optional.empty(), " interactive "));

    assertEquals(Optional.of(TestLanes.INTERACTIVE), valid.hint());
  }

  @Test
  void aRequestWithoutAnOperationIdGetsANewOne() {
    RequestValidation.Result.Valid valid = assertInstanceOf(RequestValidation.Result.Valid.class,
        validate(request().clearOperationId().build(), Optional.empty(), null));

    assertEquals(NEW_ID.toString(), valid.operationId());
  }
}

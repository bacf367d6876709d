package io.sparkserverless;

import java.util.Optional;
import java.util.Properties;

/** Spark Connect's job tags, read without Spark Connect on the class path (a History Server may lack it). */
public final class ConnectJobTags {
  /** Spark Connect's job tags of an operation start with this ({@code ExecuteJobTag}). */
  public static final String OPERATION_TAG_PREFIX = "SparkConnect_OperationTag_";
  private static final String JOB_TAGS = "spark.job.tags";
  private static final int UUID_LENGTH = 36;

  private ConnectJobTags() {}

  /** The operation id in a job's tags ({@code SparkConnect_OperationTag_..._Operation_<uuid>}). */
  public static Optional<String> operationIdOf(Properties jobProperties) {
    String tags = jobProperties == null ? null : jobProperties.getProperty(JOB_TAGS);
    if (tags == null) {
      return Optional.empty();
    }
    Optional<String> operationId = Optional.empty();
    for (String tag : tags.split(",")) {
      if (tag.startsWith(OPERATION_TAG_PREFIX) && tag.length() >= UUID_LENGTH) {
        operationId = Optional.of(tag.substring(tag.length() - UUID_LENGTH));
      }
    }
    return operationId;
  }
}

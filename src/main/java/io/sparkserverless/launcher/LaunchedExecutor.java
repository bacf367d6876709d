package io.sparkserverless.launcher;

import io.sparkserverless.tier.MemoryTier;
import java.nio.file.Path;

/**
 * A started executor container.
 *
 * @param processId the operating-system process id, for diagnostics
 * @param workDirectory the executor's own working directory
 * @param logFile where the executor's output goes (stderr carries Spark's log)
 */
public record LaunchedExecutor(
    String executorId, MemoryTier tier, int cores, long processId, Path workDirectory, Path logFile) {}

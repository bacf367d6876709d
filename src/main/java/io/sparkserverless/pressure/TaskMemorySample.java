package io.sparkserverless.pressure;

/**
 * The memory facts of one finished task attempt, copied out of a listener event.
 *
 * <p>It also carries the attempt's CPU time, so the autoscaler can tell tasks that compute from
 * tasks that mostly wait.
 *
 * @param executorHeapMb the heap of the executor it ran on (its tier), 0 if unknown
 * @param cpuTimeNs the task thread's CPU time (Spark's {@code executorCpuTime}), in nanoseconds
 * @param outOfMemory whether the attempt failed for lack of memory
 */
public record TaskMemorySample(
    int stageId,
    String executorId,
    long executorHeapMb,
    long runTimeMs,
    long cpuTimeNs,
    long gcTimeMs,
    long memoryBytesSpilled,
    long peakExecutionMemoryBytes,
    boolean outOfMemory) {}

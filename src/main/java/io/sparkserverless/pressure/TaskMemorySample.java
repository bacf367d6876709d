package io.sparkserverless.pressure;

/**
 * The memory facts of one finished task attempt, copied out of a listener event.
 *
 * @param executorHeapMb the heap of the executor it ran on (its tier), 0 if unknown
 * @param outOfMemory whether the attempt failed for lack of memory
 */
public record TaskMemorySample(
    int stageId,
    String executorId,
    long executorHeapMb,
    long runTimeMs,
    long gcTimeMs,
    long memoryBytesSpilled,
    long peakExecutionMemoryBytes,
    boolean outOfMemory) {}

package io.sparkserverless.sizing;

import io.sparkserverless.executor.PoolSnapshot;
import io.sparkserverless.tier.MemoryTier;
import java.util.List;
import java.util.Map;

/** What the scale loop reads of the executor pool and asks of it. Implementations return at once. */
public interface PoolControl {

  PoolSnapshot snapshot();

  /** Executors wanted per tier; tiers not named are wanted at zero. */
  void requestPerTier(Map<MemoryTier, Integer> target);

  /** Smallest-tier executors each lane keeps for its own tasks, by lane name; others keep none. */
  void requestReserved(Map<String, Integer> perLane);

  /** Releases idle executors through Spark, so that Spark stops offering them tasks first. */
  void release(List<String> executorIds);
}

package io.sparkserverless.sizing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkserverless.config.InvalidConfigException;
import io.sparkserverless.config.ServerlessConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizingModeTest {
  private static final ServerlessConfig DEFAULTS = ServerlessConfig.from(Map.of());

  @Test
  void withoutSettingsTheAdaptiveAutoscalerSizesThePoolAndPacksTasks() {
    SizingMode mode = SizingMode.choose(false, Optional.empty(), DEFAULTS, 2);

    assertInstanceOf(SizingMode.Adaptive.class, mode);
    assertEquals(0, mode.initialExecutors());
    assertTrue(mode.packsTasks());
  }

  @Test
  void sparksDynamicAllocationWinsOverExecutorInstances() {
    SizingMode mode = SizingMode.choose(true, Optional.of("3"), DEFAULTS, 2);

    assertEquals(new SizingMode.SparkDynamicAllocation(DEFAULTS.minExecutors()), mode);
    assertEquals(false, mode.packsTasks());
  }

  @Test
  void executorInstancesMakeAFixedPoolThatSparkWaitsFor() {
    SizingMode mode = SizingMode.choose(false, Optional.of(" 3 "), DEFAULTS, 2);

    assertEquals(new SizingMode.FixedPool(3), mode);
    assertEquals(3, mode.initialExecutors());
  }

  @Test
  void aFixedPoolIsNeverBelowTheMinimum() {
    ServerlessConfig config = ServerlessConfig.from(Map.of(ServerlessConfig.MIN_EXECUTORS.key(), "2"));

    assertEquals(new SizingMode.FixedPool(2), SizingMode.choose(false, Optional.of("1"), config, 2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "two", "", "100000"})
  void unusableExecutorInstancesAreRefusedNamingTheKeyAndTheRange(String instances) {
    InvalidConfigException error = assertThrows(InvalidConfigException.class,
        () -> SizingMode.choose(false, Optional.of(instances), DEFAULTS, 2));

    assertTrue(error.getMessage().contains("spark.executor.instances"), error.getMessage());
    assertTrue(error.getMessage().contains(ServerlessConfig.MAX_EXECUTORS.key()), error.getMessage());
  }
}

package io.sparkserverless.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OfferPackingTest {

  @Test
  void executorsAreOfferedInTheOrderThePoolLaunchedThem() {
    List<String> offered = new ArrayList<>(List.of("10", "3", "1", "12", "2"));

    offered.sort(OfferPacking.OLDEST_EXECUTOR_FIRST);

    assertEquals(List.of("1", "2", "3", "10", "12"), offered);
  }

  @Test
  void idsThatAreNotNumbersStillGetAStableOrder() {
    List<String> offered = new ArrayList<>(List.of("b", "driver", "a", "7"));

    offered.sort(OfferPacking.OLDEST_EXECUTOR_FIRST);

    assertEquals(List.of("7", "a", "b", "driver"), offered);
  }

  @Test
  void widerExecutorsAreOfferedBeforeNarrowerOnesThenTheOldestFirst() {
    Map<String, Integer> cores = Map.of("1", 1, "2", 1, "3", 4, "4", 4, "5", 2);
    List<String> offered = new ArrayList<>(List.of("1", "2", "3", "4", "5"));

    offered.sort(OfferPacking.widestThenOldest(cores::get));

    assertEquals(List.of("3", "4", "5", "1", "2"), offered);
  }
}

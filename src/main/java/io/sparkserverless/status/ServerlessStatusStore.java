package io.sparkserverless.status;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.KVStoreIterator;

/** What the Serverless tab reads: the rows {@link ServerlessStatusListener} wrote, live or replayed. */
public final class ServerlessStatusStore {
  private final KVStore store;

  public ServerlessStatusStore(KVStore store) {
    this.store = requireNonNull(store, "store is null");
  }

  /** Whether the application ran on Spark Serverless: it made at least one decision. */
  public boolean hasDecisions() {
    try {
      return store.count(DecisionRow.class) > 0;
    } catch (Exception e) {
      return false;
    }
  }

  /** The latest {@code limit} decisions, oldest first. */
  public List<DecisionRow> decisions(int limit) {
    List<DecisionRow> newestFirst = rows(DecisionRow.class, true, limit);
    List<DecisionRow> oldestFirst = new ArrayList<>(newestFirst.size());
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      oldestFirst.add(newestFirst.get(i));
    }
    return oldestFirst;
  }

  public List<TimelineRow> timeline() {
    return rows(TimelineRow.class, false, Integer.MAX_VALUE);
  }

  public List<LaneRow> lanes() {
    return rows(LaneRow.class, false, Integer.MAX_VALUE);
  }

  public Optional<UsageRow> usage() {
    try {
      return Optional.of(store.read(UsageRow.class, UsageRow.ID));
    } catch (NoSuchElementException e) {
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private <T> List<T> rows(Class<T> type, boolean newestFirst, int limit) {
    List<T> rows = new ArrayList<>();
    try (KVStoreIterator<T> iterator = (newestFirst ? store.view(type).reverse() : store.view(type))
        .closeableIterator()) {
      while (iterator.hasNext() && rows.size() < limit) {
        rows.add(iterator.next());
      }
    } catch (Exception e) {
      throw new IllegalStateException("the Serverless tab's store cannot be read: " + e, e);
    }
    return rows;
  }
}

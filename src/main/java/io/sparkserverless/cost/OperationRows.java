package io.sparkserverless.cost;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage per operation, for at most {@code retained} operations, the most recently charged; what
 * older ones used is folded into one sum, so the rows still add up to all that was charged.
 */
final class OperationRows {
  private final int retained;
  /** Least recently charged first: a charge moves its row to the end. */
  private final LinkedHashMap<UsageKey, Usage> rows;
  private Usage older;
  private boolean folded;

  OperationRows(int retained) {
    this(retained, new LinkedHashMap<>(), Usage.ZERO, false);
  }

  private OperationRows(int retained, LinkedHashMap<UsageKey, Usage> rows, Usage older,
      boolean folded) {
    this.retained = retained;
    this.rows = rows;
    this.older = older;
    this.folded = folded;
  }

  void charge(UsageKey key, Usage usage) {
    Usage before = rows.remove(key);
    rows.put(key, before == null ? usage : before.plus(usage));
    Iterator<Map.Entry<UsageKey, Usage>> eldest = rows.entrySet().iterator();
    while (rows.size() > retained) {
      older = older.plus(eldest.next().getValue());
      eldest.remove();
      folded = true;
    }
  }

  OperationRows copy() {
    return new OperationRows(retained, new LinkedHashMap<>(rows), older, folded);
  }

  /** The most recently charged first, then the row of older operations if any were folded. */
  List<OperationUsage> toList() {
    List<OperationUsage> list = new ArrayList<>(rows.size() + 1);
    rows.forEach((key, usage) -> list.add(OperationUsage.of(key, usage)));
    Collections.reverse(list);
    if (folded) {
      list.add(OperationUsage.older(older));
    }
    return list;
  }
}

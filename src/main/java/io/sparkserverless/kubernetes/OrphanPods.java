package io.sparkserverless.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Which executor pods a dead driver of the same application left behind. */
final class OrphanPods {
  private OrphanPods() {}

  /**
   * Pods of another run whose driver is gone: its address is now this driver's (a restarted
   * driver in the same place), or it does not answer. A live driver of the same name, say a second
   * user's run, keeps its pods.
   *
   * @param candidates pods with this application's name, managed by this project
   * @param driverAnswers whether a driver URL accepts connections; asked once per URL
   */
  static List<Pod> select(List<Pod> candidates, String appId, String driverUrl,
      Predicate<String> driverAnswers) {
    Map<String, Boolean> answers = new HashMap<>();
    List<Pod> orphans = new ArrayList<>();
    for (Pod pod : candidates) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      if (labels == null || appId.equals(labels.get(ExecutorPods.APP_SELECTOR_LABEL))) {
        continue;
      }
      Map<String, String> annotations = pod.getMetadata().getAnnotations();
      String theirDriver = annotations == null ? null
          : annotations.get(ExecutorPods.DRIVER_URL_ANNOTATION);
      boolean gone = theirDriver == null || theirDriver.equals(driverUrl)
          || !answers.computeIfAbsent(theirDriver, driverAnswers::test);
      if (gone) {
        orphans.add(pod);
      }
    }
    return List.copyOf(orphans);
  }
}

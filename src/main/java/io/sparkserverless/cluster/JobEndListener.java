package io.sparkserverless.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Tells the task scheduler which stages are done with (completed, or their job ended), so their
 * tier state can go.
 */
final class JobEndListener extends SparkListener {
  private final ServerlessTaskScheduler scheduler;
  /** Running jobs' stages (listener thread only). */
  private final Map<Integer, List<Integer>> stagesOfJob = new HashMap<>();

  JobEndListener(ServerlessTaskScheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    List<Integer> stages = new ArrayList<>();
    for (Object stageId : CollectionConverters.asJava(jobStart.stageIds())) {
      stages.add((Integer) stageId);
    }
    stagesOfJob.put(jobStart.jobId(), stages);
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd jobEnd) {
    List<Integer> stages = stagesOfJob.remove(jobEnd.jobId());
    if (stages != null) {
      scheduler.jobEnded(stages);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
    if (stageCompleted.stageInfo().failureReason().isEmpty()) {
      scheduler.stageDone(stageCompleted.stageInfo().stageId());
    }
  }
}

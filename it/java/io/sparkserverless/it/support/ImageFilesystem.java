package io.sparkserverless.it.support;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one container image a {@link TestKubelet} can run, as a mapping from the image's paths to this
 * machine's: what a container of that image would find at {@code /opt/spark/jars/*} is the server class
 * path integration tests run Spark with, and so on. Paths the image does not have stay as they are, so
 * a pod that names one fails the way it would in a cluster.
 *
 * <p>A path is mapped where it starts a value or follows {@code :}, {@code =} or {@code ,} (class paths,
 * {@code -Dkey=path}, lists), and only as a whole path segment.
 */
public final class ImageFilesystem {
  /** Where the official apache/spark images keep Java, and their working directory. */
  private static final String IMAGE_JAVA_HOME = "/opt/java/openjdk";
  private static final String IMAGE_WORKING_DIRECTORY = "/opt/spark/work-dir";

  private final String image;
  private final Map<String, String> paths;
  private final Map<String, String> environment;

  private ImageFilesystem(String image, Map<String, String> paths, Map<String, String> environment) {
    this.image = requireNonNull(image, "image is null");
    this.paths = Map.copyOf(paths);
    this.environment = Map.copyOf(environment);
  }

  /**
   * The project's image (the apache/spark image with the drop-in JAR in {@code /opt/spark/jars/}), named
   * {@code image}: Java is this JVM's, {@code /opt/spark/jars/*} the project JAR and the server class
   * path, {@code /opt/spark/conf} the repository's spark-conf directory.
   */
  public static ImageFilesystem sparkServerless(String image) {
    List<String> jars = new ArrayList<>();
    jars.add(SparkRuntime.projectJar().toString());
    jars.addAll(SparkRuntime.serverClassPath());
    String javaHome = System.getProperty("java.home");
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put(IMAGE_JAVA_HOME, javaHome);
    paths.put("/opt/spark/jars/*", String.join(File.pathSeparator, jars));
    paths.put("/opt/spark/conf", SparkRuntime.projectHome().resolve("spark-conf").toString());
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("JAVA_HOME", IMAGE_JAVA_HOME);
    environment.put("PATH", IMAGE_JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    environment.put("LANG", "C.UTF-8");
    return new ImageFilesystem(image, paths, environment);
  }

  public String image() {
    return image;
  }

  /** Whether a container naming this image reference can be started. */
  public boolean provides(String reference) {
    return image.equals(reference);
  }

  /** The image's own environment (its {@code ENV} lines), before the container's, in image paths. */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * The image's working directory, for a container that names none; the kubelet gives each pod its own
   * local directory for it, as a mount.
   */
  public String workingDirectory() {
    return IMAGE_WORKING_DIRECTORY;
  }

  /**
   * A value with the image's paths, and the pod's mounts (mount path to local directory, which win over
   * the image's), replaced by local ones.
   */
  public String toLocal(String value, Map<String, Path> mounts) {
    Map<String, String> all = new LinkedHashMap<>();
    mounts.forEach((mountPath, directory) -> all.put(stripTrailingSlash(mountPath), directory.toString()));
    paths.forEach(all::putIfAbsent);
    String result = value;
    // Longest first, so /opt/spark/conf is not taken for a shorter mount such as /opt.
    for (Map.Entry<String, String> path : all.entrySet().stream()
        .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed())
        .toList()) {
      result = replacePath(result, path.getKey(), path.getValue());
    }
    return result;
  }

  /** The executable: {@code java} (found on the image's PATH) is this JVM's; else the mapped path. */
  public String executable(String command, Map<String, Path> mounts) {
    if (command.equals("java")) {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
    return toLocal(command, mounts);
  }

  private static String replacePath(String value, String imagePath, String localPath) {
    Pattern pattern = Pattern.compile("(^|[:=,])" + Pattern.quote(imagePath) + "(?=$|[/:,])");
    Matcher matcher = pattern.matcher(value);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(1) + localPath));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private static String stripTrailingSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}

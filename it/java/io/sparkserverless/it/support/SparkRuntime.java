package io.sparkserverless.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * The pieces integration tests start Spark with: the packaged drop-in JAR, Spark's class path as
 * Maven resolved it, and the JVM flags Spark's own launcher adds. Paths come from failsafe's
 * system properties (see pom.xml).
 */
public final class SparkRuntime {
  private SparkRuntime() {}

  public static Path projectJar() {
    return Path.of(property("serverless.jar"));
  }

  public static Path projectHome() {
    return Path.of(property("serverless.home"));
  }

  /** Spark with the Connect server, as Maven resolved it (see pom.xml: server-classpath). */
  public static List<String> serverClassPath() {
    return classPath("server.classpath");
  }

  /** The JVM Connect client and this project (see pom.xml: client-classpath). */
  public static List<String> clientClassPath() {
    List<String> path = new ArrayList<>();
    path.add(projectJar().toString());
    path.addAll(classPath("client.classpath"));
    return path;
  }

  public static List<String> javaModuleOptions() {
    return Arrays.asList(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray());
  }

  /** A JAR holding the given classes (with their nested classes), for spark-submit. */
  public static Path jarOf(Path directory, Class<?>... classes) {
    Path jar = directory.resolve("app.jar");
    Path classesRoot = Path.of(property("serverless.testClasses"));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Class<?> type : classes) {
        String packagePath = type.getPackageName().replace('.', '/');
        try (var files = Files.list(classesRoot.resolve(packagePath))) {
          for (Path file : files.toList()) {
            String fileName = file.getFileName().toString();
            if (fileName.equals(type.getSimpleName() + ".class")
                || fileName.startsWith(type.getSimpleName() + "$")) {
              out.putNextEntry(new JarEntry(packagePath + "/" + fileName));
              out.write(Files.readAllBytes(file));
              out.closeEntry();
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar;
  }

  private static List<String> classPath(String fileName) {
    try {
      String text = Files.readString(
          Path.of(property("serverless.classpathDirectory"), fileName)).trim();
      return Arrays.asList(text.split(java.io.File.pathSeparator));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String property(String key) {
    String value = System.getProperty(key);
    if (value == null) {
      throw new IllegalStateException(key + " is not set: run integration tests through Maven (mvn verify)");
    }
    return value;
  }
}

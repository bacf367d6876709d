package io.sparkserverless.cli;

import org.apache.spark.launcher.JavaModuleOptions;

/** Prints the JVM flags Spark needs on Java 17 (the --add-opens list), for bin/spark-serverless. */
public final class JavaModuleFlags {
  private JavaModuleFlags() {}

  public static void main(String[] args) {
    System.out.println(JavaModuleOptions.defaultModuleOptions());
  }
}

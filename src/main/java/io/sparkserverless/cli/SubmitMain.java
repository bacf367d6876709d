package io.sparkserverless.cli;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.apache.spark.deploy.SparkSubmit;

/**
 * spark-submit as {@code bin/spark-serverless} runs it: with a fresh RPC authentication secret, so
 * that executors authenticate to the driver ({@code spark.authenticate=true} in spark-conf/) without
 * the user managing a secret. Spark requires {@code spark.authenticate.secret} for masters other
 * than local, YARN and Kubernetes; it is set here as a system property of this JVM, never on a
 * command line or in a file, and reaches executors only through their environment. A secret the
 * user sets with {@code --conf} wins.
 */
public final class SubmitMain {
  static final String SECRET_KEY = "spark.authenticate.secret";

  private SubmitMain() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty(SECRET_KEY) == null) {
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      System.setProperty(SECRET_KEY, HexFormat.of().formatHex(secret));
    }
    SparkSubmit.main(args);
  }
}

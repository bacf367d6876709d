#!/usr/bin/env bash
# The Spark Connect server (the driver) in the Spark Serverless image, started as bin/spark-serverless
# server starts it: spark-submit through io.sparkserverless.cli.SubmitMain, which sets a fresh RPC
# secret as a system property of this JVM (never on a command line), with the JVM module flags Spark
# needs on Java 17. Arguments are spark-submit options (--conf k=v ...); settings come from
# $SPARK_CONF_DIR/spark-defaults.conf first. Extra driver JVM options (heap): SPARK_SERVERLESS_JAVA_OPTS.
set -euo pipefail

SPARK_HOME="${SPARK_HOME:-/opt/spark}"
export SPARK_CONF_DIR="${SPARK_CONF_DIR:-$SPARK_HOME/conf}"
CLASSPATH="$SPARK_CONF_DIR:$SPARK_HOME/jars/*"
if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

# The --add-opens list Spark's own launcher adds, asked of Spark itself (JavaModuleOptions).
module_flags="$("$JAVA" -cp "$CLASSPATH" io.sparkserverless.cli.JavaModuleFlags)"

# shellcheck disable=SC2086 # the flags and options are space-separated lists
exec "$JAVA" $module_flags ${SPARK_SERVERLESS_JAVA_OPTS:-} -cp "$CLASSPATH" \
  io.sparkserverless.cli.SubmitMain \
  --class org.apache.spark.sql.connect.service.SparkConnectServer \
  --name "Spark Serverless Connect server" \
  "$@" spark-internal

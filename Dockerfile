# Spark Serverless on Kubernetes: the official Spark image plus the drop-in JAR. One image serves the
# Spark Connect server (the driver, kubernetes/connect-server.yaml) and the executor pods it creates.
#
#   mvn -DskipTests package                 # builds plugins/spark-serverless-<version>.jar
#   docker build -t <registry>/spark-serverless:0.1.0 .
FROM apache/spark:4.2.0

# The JAR mvn package copied into plugins/; pass --build-arg SERVERLESS_JAR=... for another version.
ARG SERVERLESS_JAR=plugins/spark-serverless-0.1.0-SNAPSHOT.jar

# COPY writes as root (files readable by all); the image's user stays spark (uid 185).
COPY ${SERVERLESS_JAR} /opt/spark/jars/
# Found on the class path (/opt/spark/conf comes first): one log line per decision. The cluster's
# spark-defaults.conf is mounted beside it from a ConfigMap. The lanes' pools need no file.
COPY spark-conf/log4j2.properties /opt/spark/conf/
# Starts the Connect server the way bin/spark-serverless server does (executable bit from git).
COPY docker/connect-server.sh /opt/spark-serverless/bin/connect-server

ENV SPARK_CONF_DIR=/opt/spark/conf
USER 185

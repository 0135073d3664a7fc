# One image per side, from the runnable jar the Maven build produced (build the jars first:
# ./mvnw -q -DskipTests install). No build stage: that would need a Maven image in the trust chain.
#   docker build --build-arg JAR=command-side/target/picflow-command-side-exec.jar -t picflow-command-side .
#   docker build --build-arg JAR=query-side/target/picflow-query-side-exec.jar     -t picflow-query-side .
# Configuration comes from the PICFLOW_* environment variables (see README.md).
FROM eclipse-temurin:17-jre

ARG JAR
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin picflow
COPY --chown=root:root ${JAR} /app/app.jar
# The image storage (a volume shared by both sides in docker-compose) must be writable by the service user.
RUN mkdir -p /data/images && chown picflow /data/images

# Two malloc arenas: native allocations of many threads (zlib, ImageIO) stay compact (README, "Memory").
ENV MALLOC_ARENA_MAX=2

USER picflow
WORKDIR /app
# No update check over the network and no console banner at start-up (STACK.md, pitfall 14).
ENTRYPOINT ["java", "-Daxoniq.update-checker.disabled=true", "-Ddisable-axoniq-console-message=true", "-jar", "/app/app.jar"]

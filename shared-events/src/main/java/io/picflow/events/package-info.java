/**
 * The event contract between the command side and the query side: one sub-package per bounded
 * context, each event an immutable record with a {@code @Revision}. Nothing here may depend on
 * Spring, a database, or Axon runtime code (an ArchUnit test enforces it).
 */
package io.picflow.events;

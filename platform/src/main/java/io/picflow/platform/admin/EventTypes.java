package io.picflow.platform.admin;

import io.picflow.platform.web.ProblemException;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.io.ResourceLoader;

/**
 * The event types a client may filter by, named as the issues and docs name them: the simple class name
 * ({@code ImageDownloadRequested}), never a Java class name. They are the {@code @Revision} records of the shared event
 * contract ({@code io.picflow.events..}), found once at startup by reading class files (no class is
 * loaded), so that a new event needs no list kept by hand.
 */
public final class EventTypes {

    /** The package of the event contract (the shared-events module). */
    static final String EVENTS_PACKAGE = "io.picflow.events";

    private final SortedSet<String> names;

    EventTypes(Collection<String> classNames) {
        Map<String, String> bySimpleName = new TreeMap<>();
        for (String className : classNames) {
            String previous = bySimpleName.put(simpleName(className), className);
            // The type filter matches by simple name, so two events sharing one would be indistinguishable.
            if (previous != null && !previous.equals(className)) {
                throw new IllegalStateException("Two events share the simple name " + simpleName(className) + ": "
                        + previous + " and " + className + "; the event browser filters by simple name");
            }
        }
        if (bySimpleName.isEmpty()) {
            throw new IllegalStateException("No event records found under " + EVENTS_PACKAGE);
        }
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(bySimpleName.keySet()));
    }

    /** Scans the class path for the records under {@link #EVENTS_PACKAGE}. */
    static EventTypes scan(ResourceLoader resourceLoader) {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.setResourceLoader(resourceLoader);
        // Events are the records with a @Revision; other records of the contract (EncryptedText) are parts of events.
        scanner.addIncludeFilter((reader, factory) -> Record.class.getName().equals(reader.getClassMetadata().getSuperClassName())
                && reader.getAnnotationMetadata().hasAnnotation("org.axonframework.serialization.Revision"));
        return new EventTypes(scanner.findCandidateComponents(EVENTS_PACKAGE).stream()
                .map(BeanDefinition::getBeanClassName)
                .toList());
    }

    /**
     * The simple name the event store's {@code picflow_event_type(payload_type)} computes (V2 migration):
     * what follows the last {@code .} or {@code $} of a class name.
     */
    static String simpleName(String className) {
        return className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
    }

    /** The known simple names, sorted. */
    public SortedSet<String> names() {
        return names;
    }

    /** {@code name} if it is a known event type; otherwise a 400 that lists the known ones. */
    public String require(String name) {
        if (!names.contains(name)) {
            throw ProblemException.badRequest("Unknown event type '" + name + "'. Known types (simple names): "
                    + String.join(", ", names));
        }
        return name;
    }
}

package io.picflow.platform.admin;

import java.util.Optional;

/**
 * Something that needs an event processor left alone for a while: a rebuild stops and starts its read
 * model's live processor itself when it hands over, and a pause or start from the processors API in
 * between would break that. Beans of this type are asked before each pause and start.
 */
public interface ProcessorControlGuard {

    /** Why {@code processorName} must not be paused or started now, or empty if it may. */
    Optional<String> refusal(String processorName);
}

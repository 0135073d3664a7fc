package io.picflow.platform.upcasting;

import io.picflow.events.downloads.ImageFetched;
import org.axonframework.serialization.upcasting.event.EventTypeUpcaster;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link ImageFetched} revision 1 to 2: {@code contentType} was renamed {@code declaredContentType}.
 *
 * <p>Without this step a revision 1 event would still deserialize, silently: Jackson ignores the
 * unknown {@code contentType} and leaves {@code declaredContentType} null. The step works on the JSON
 * tree, never on the record, which only knows the newest form.
 */
public class ImageFetchedUpcaster1To2 extends EventTypeUpcaster {

    static final String OLD_NAME = "contentType";
    static final String NEW_NAME = "declaredContentType";

    public ImageFetchedUpcaster1To2() {
        super(ImageFetched.class.getName(), "1", ImageFetched.class.getName(), "2");
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(upcastedType(), ObjectNode.class, ImageFetchedUpcaster1To2::rename);
    }

    private static ObjectNode rename(ObjectNode payload) {
        if (payload.has(OLD_NAME)) {
            payload.set(NEW_NAME, payload.remove(OLD_NAME));
        }
        return payload;
    }
}

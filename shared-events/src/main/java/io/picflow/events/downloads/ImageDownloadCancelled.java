package io.picflow.events.downloads;

import org.axonframework.serialization.Revision;

/**
 * The download was cancelled; partial data is deleted. Final.
 *
 * <p>{@code reason} says why: {@link #USER} (the requester or an admin asked; {@code cancelledBy} names them),
 * {@link #ERASURE} (the requester erased their account) or {@link #EXPIRED} (it stayed paused or failed longer
 * than {@code picflow.downloads.retention.unfinished}; {@code cancelledBy} is {@link #SYSTEM}). Revision 1 had
 * no {@code reason}: those events read as {@link #USER}.
 */
@Revision("2")
public record ImageDownloadCancelled(String downloadId, String cancelledBy, String reason) implements DownloadEvent {

    public static final String USER = "USER";
    public static final String ERASURE = "ERASURE";
    public static final String EXPIRED = "EXPIRED";
    /** {@code cancelledBy} of a cancellation nobody asked for. */
    public static final String SYSTEM = "picflow";

    public ImageDownloadCancelled {
        reason = reason == null ? USER : reason;
    }

    public boolean expired() {
        return EXPIRED.equals(reason);
    }
}

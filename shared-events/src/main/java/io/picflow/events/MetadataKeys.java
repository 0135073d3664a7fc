package io.picflow.events;

/** Names of the metadata entries every command and event carries. Part of the contract. */
public final class MetadataKeys {
    /** The id of the root action (the HTTP request) a message descends from. */
    public static final String CORRELATION_ID = "correlationId";
    /** The id of the message that directly caused this one. */
    public static final String CAUSATION_ID = "causationId";
    /** The user on whose behalf the message was sent (the token's subject). */
    public static final String USER_ID = "userId";

    private MetadataKeys() {
    }
}

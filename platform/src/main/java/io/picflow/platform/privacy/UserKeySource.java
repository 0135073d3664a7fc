package io.picflow.platform.privacy;

import java.util.Optional;

/** Where users' keys come from: the {@code user_key} table ({@link UserKeys}) in the service. */
public interface UserKeySource {

    /** The user's key, created on first use. */
    byte[] getOrCreate(String userId);

    /** The user's key, or empty if they never had one or it was erased. */
    Optional<byte[]> find(String userId);
}

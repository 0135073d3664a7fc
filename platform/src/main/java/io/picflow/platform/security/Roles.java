package io.picflow.platform.security;

/** The roles a token's {@code roles} claim may carry. */
public final class Roles {
    public static final String USER = "user";
    public static final String ADMIN = "admin";

    private Roles() {
    }
}

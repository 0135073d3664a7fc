package io.picflow.platform.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** The authenticated caller: the token's subject and whether it has the admin role. */
public record CurrentUser(String id, boolean admin) {

    public static CurrentUser get() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || !authentication.isAuthenticated()) {
            throw new IllegalStateException("No authenticated user on this thread");
        }
        boolean admin = authentication.getAuthorities().stream()
                .anyMatch(a -> ("ROLE_" + Roles.ADMIN).equals(a.getAuthority()));
        return new CurrentUser(authentication.getName(), admin);
    }

    /** Whether this user may see a resource owned by {@code ownerId}. */
    public boolean mayAccess(String ownerId) {
        return admin || id.equals(ownerId);
    }
}

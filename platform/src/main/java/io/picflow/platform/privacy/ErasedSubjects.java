package io.picflow.platform.privacy;

import io.picflow.platform.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses every API request of a subject that was erased with 410 Gone: a token issued before the erasure
 * may still be valid, but the user it speaks for is no more, and must not come back by acting again.
 */
class ErasedSubjects implements HandlerInterceptor {

    private final ErasedUsers erasedUsers;

    ErasedSubjects(ErasedUsers erasedUsers) {
        this.erasedUsers = erasedUsers;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null || !caller.isAuthenticated() || caller.getName() == null) {
            return true;
        }
        Optional<Instant> erasedAt = erasedUsers.erasedAt(caller.getName());
        if (erasedAt.isPresent()) {
            throw new ProblemException(HttpStatus.GONE, "Gone",
                    "This user was erased at " + erasedAt.get() + " and can no longer use the service");
        }
        return true;
    }
}

package io.picflow.platform.security;

import io.picflow.platform.web.ProblemResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * A request Spring Security's firewall refuses (an encoded {@code .} or {@code %}, {@code //}, a
 * {@code ;} path parameter, a backslash, an unknown method, a control character in a header) as a 400
 * problem+json. The firewall's own message names what it found, e.g. {@code The request was rejected
 * because the URL contained a potentially malicious String "%2e"}. Without this handler the firewall
 * calls {@code sendError}, and the container's error page answers.
 */
class RejectedRequestProblems implements RequestRejectedHandler {

    private final ProblemResponseWriter problems;

    RejectedRequestProblems(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException e)
            throws IOException {
        problems.write(response, HttpStatus.BAD_REQUEST, e.getMessage(), request.getRequestURI());
    }
}

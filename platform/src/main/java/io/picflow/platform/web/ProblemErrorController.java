package io.picflow.platform.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * The error page Tomcat forwards to when an error leaves the servlet with no body: a filter's
 * {@code sendError} (Spring Security's firewall by default), Tomcat's 405 for {@code TRACE}, an
 * exception escaping the filters. It replaces Spring Boot's {@code BasicErrorController}, whose
 * {@code {timestamp, status, error, path}} JSON or HTML page is not problem+json. It writes the body
 * itself, so that no {@code Accept} header can turn it into a 406.
 */
@Controller
public class ProblemErrorController implements ErrorController {

    private final ProblemResponseWriter problems;

    public ProblemErrorController(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @RequestMapping("${server.error.path:${error.path:/error}}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // Without a status the page was asked for directly: for a client there is nothing here.
        int status = code instanceof Integer given && given >= 400 ? given : 404;
        Object failedUri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String instance = failedUri != null ? failedUri.toString() : request.getRequestURI();
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        problems.write(response, status, ErrorDetails.describe(status, message == null ? null : message.toString()), instance);
    }
}

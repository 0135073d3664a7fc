package io.picflow.platform.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.MediaType;

/**
 * Tomcat's error report, as problem+json instead of an HTML page. Tomcat writes it for an error that
 * has no body yet when the request leaves the container: a URL it refuses before any filter runs
 * (an encoded slash, a bad %-escape, a null byte), a request line or header it cannot parse, an
 * unsupported HTTP version, and whatever the error page at {@code /error} could not answer.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private final ProblemResponseWriter problems;

    public ProblemErrorReportValve(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // As Tomcat's own report: only for errors, only if nothing is written yet, only once.
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return; // the connection is broken: nobody would read the report
        }
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8);
            Writer writer = response.getReporter();
            if (writer != null) { // null: already committed, nothing can be added
                writer.write(problems.render(status, ErrorDetails.describe(status, response.getMessage()),
                        request.getRequestURI()));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // The client is gone or the response was committed meanwhile: there is no one to tell.
        }
    }
}

package io.picflow.platform.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Writes a problem+json response from a servlet filter, where controller advice does not reach. */
@Component
public class ProblemResponseWriter {

    private final JsonMapper json;

    public ProblemResponseWriter(JsonMapper json) {
        this.json = json;
    }

    public void write(HttpServletResponse response, HttpStatus status, String detail, String instance) throws IOException {
        write(response, status.value(), detail, instance);
    }

    /** For a status that may not be one of {@link HttpStatus}'s (the container's error page passes on whatever it got). */
    public void write(HttpServletResponse response, int status, String detail, String instance) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(json.writeValueAsBytes(body(status, detail, instance)));
    }

    /** The body alone, for a writer that is not a servlet response's (Tomcat's error report valve). */
    public String render(int status, String detail, String instance) {
        return json.writeValueAsString(body(status, detail, instance));
    }

    private static Map<String, Object> body(int status, String detail, String instance) {
        HttpStatus known = HttpStatus.resolve(status);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("title", known != null ? known.getReasonPhrase() : "Error");
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", instance);
        return body;
    }
}

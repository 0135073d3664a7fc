package io.picflow.devservices;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests an HTTP client would not send as written: a path it
 * would normalise ({@code ..%2F}, {@code //}, {@code %2e}), a backslash, a control character in a
 * header, a broken request line. The request line and headers go out byte for byte (ISO-8859-1),
 * followed by {@code Host} and {@code Connection: close}; the whole response is read.
 */
public final class RawHttp {

    /** A response: status, headers by lower-case name, body (de-chunked, as UTF-8). */
    public record Response(int status, Map<String, String> headers, String body) {

        public String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    private RawHttp() {
    }

    public static Response send(int port, String requestLine, String... headers) {
        return send(port, requestLine, new byte[0], headers);
    }

    /** With a body, and its {@code Content-Length}. */
    public static Response send(int port, String requestLine, byte[] body, String... headers) {
        StringBuilder request = new StringBuilder(requestLine).append("\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        if (body.length > 0) {
            request.append("Content-Length: ").append(body.length).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(received);
            return parse(received.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(requestLine, e);
        }
    }

    private static Response parse(byte[] bytes) throws IOException {
        InputStream in = new ByteArrayInputStream(bytes);
        String statusLine = line(in);
        String[] parts = statusLine.split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("Not an HTTP/1.x response: " + new String(bytes, StandardCharsets.ISO_8859_1));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] rest = in.readAllBytes();
        String body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                ? dechunk(new ByteArrayInputStream(rest))
                : new String(rest, StandardCharsets.UTF_8);
        return new Response(Integer.parseInt(parts[1]), headers, body);
    }

    private static String dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
            body.write(in.readNBytes(size));
            line(in); // the CRLF that ends the chunk
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static int chunkSize(InputStream in) throws IOException {
        String line = line(in);
        int extension = line.indexOf(';');
        return Integer.parseInt((extension >= 0 ? line.substring(0, extension) : line).trim(), 16);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}

package io.picflow.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small real SMTP server on 127.0.0.1 that accepts every message, for the notifications benchmark: the service
 * sends its email here ({@code --spring.mail.host/port}), and the time of each {@code 250} to a message's end of data
 * is its acceptance. A thread per connection; it answers the commands a plain client sends (EHLO/HELO, MAIL, RCPT,
 * DATA, RSET, NOOP, QUIT) and advertises no extension, so that the client uses neither STARTTLS nor AUTH.
 *
 * <p>Also the sink's own ceiling ({@link #measureCeiling}): the rate at which this sink accepts messages from a
 * client that sends them as the service's mail library does (a connection per message).
 */
final class SmtpSink implements AutoCloseable {

    /** Subjects of the benchmark's own messages (the ceiling) start with this: they are not the service's. */
    static final String OWN_SUBJECT = "picflow-bench sink ";

    /** A connection silent this long is dropped (the service's mail timeout is 10 s; nothing legitimate waits this long). */
    private static final int IDLE_TIMEOUT_MILLIS = 60_000;
    /** Lines longer than this end the connection: RFC 5321 allows 1,000 octets, and this is a benchmark, not a mail store. */
    private static final int MAX_LINE = 10_000;

    /** One accepted message: when the sink answered 250 to its end of data, and its Subject and Message-ID (null if absent). */
    record Acceptance(long nanos, long epochMillis, String subject, String messageId) {

        boolean own() {
            return subject != null && subject.startsWith(OWN_SUBJECT);
        }
    }

    private final ServerSocket server;
    private final ExecutorService connections;
    private final Thread acceptor;
    /** In the order accepted; guarded by itself. */
    private final List<Acceptance> accepted = new ArrayList<>();
    private final AtomicInteger serviceAccepted = new AtomicInteger();
    private final AtomicInteger connectionsOpened = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    private SmtpSink(ServerSocket server) {
        this.server = server;
        this.connections = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "smtp-sink-connection");
            thread.setDaemon(true);
            return thread;
        });
        this.acceptor = new Thread(this::acceptLoop, "smtp-sink-acceptor");
        this.acceptor.setDaemon(true);
    }

    /** Listens on 127.0.0.1:{@code port} from now on. */
    static SmtpSink start(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 512);
        } catch (IOException e) {
            server.close();
            throw new IOException("The SMTP sink cannot listen on 127.0.0.1:" + port + " (taken since the script picked it?)", e);
        }
        SmtpSink sink = new SmtpSink(server);
        sink.acceptor.start();
        return sink;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Messages accepted so far, the benchmark's own included: an index for {@link #since}. */
    int size() {
        synchronized (accepted) {
            return accepted.size();
        }
    }

    /** The acceptances from index {@code from} on, in the order accepted. */
    List<Acceptance> since(int from) {
        synchronized (accepted) {
            return new ArrayList<>(accepted.subList(Math.min(from, accepted.size()), accepted.size()));
        }
    }

    /** Messages accepted so far that are not the benchmark's own. */
    int serviceAccepted() {
        return serviceAccepted.get();
    }

    int connectionsOpened() {
        return connectionsOpened.get();
    }

    /** The first protocol or I/O error on a connection, or null. */
    String firstError() {
        return firstError.get();
    }

    /**
     * Waits until {@link #serviceAccepted()} reaches {@code count} or {@code deadlineNanos} ({@link System#nanoTime()})
     * passes; returns whether it did. Polls: the acceptance times are recorded by the connections, not here.
     */
    boolean awaitServiceAccepted(int count, long deadlineNanos) throws InterruptedException {
        while (serviceAccepted.get() < count) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return true;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing the listener: nothing to do
        }
        connections.shutdownNow();
    }

    // ---------------------------------------------------------------- server

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connectionsOpened.incrementAndGet();
                connections.execute(() -> serve(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    firstError.compareAndSet(null, "accept: " + e);
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(IDLE_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            Writer out = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.ISO_8859_1));
            reply(out, "220 127.0.0.1 picflow-bench SMTP sink");
            for (String line; (line = readLine(in)) != null; ) {
                if (!answer(line, in, out)) {
                    return;
                }
            }
        } catch (SocketException e) {
            // the client went away (a reset after QUIT, or the benchmark closing): not an error of the exchange
        } catch (IOException e) {
            firstError.compareAndSet(null, "connection: " + e);
        }
    }

    /** Answers one command; false when the connection is to end. */
    private boolean answer(String line, BufferedReader in, Writer out) throws IOException {
        String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
        switch (verb) {
            case "EHLO", "HELO" -> reply(out, "250 127.0.0.1"); // one line: no extensions, so no STARTTLS and no AUTH
            case "MAIL" -> reply(out, "250 2.1.0 Ok");
            case "RCPT" -> reply(out, "250 2.1.5 Ok");
            case "DATA" -> {
                reply(out, "354 End data with <CR><LF>.<CR><LF>");
                return readMessage(in, out);
            }
            case "RSET", "NOOP" -> reply(out, "250 2.0.0 Ok");
            case "QUIT" -> {
                reply(out, "221 2.0.0 Bye");
                return false;
            }
            default -> reply(out, "502 5.5.2 Command not recognized");
        }
        return true;
    }

    /**
     * Reads the message up to the line ".", keeping its Subject and Message-ID headers (unfolded), then answers 250 and
     * records the acceptance. False if the connection ended before the end of data.
     */
    private boolean readMessage(BufferedReader in, Writer out) throws IOException {
        HeaderReader headers = new HeaderReader();
        for (String line; (line = readLine(in)) != null; ) {
            if (line.equals(".")) {
                headers.end();
                Acceptance acceptance = new Acceptance(System.nanoTime(), System.currentTimeMillis(), headers.subject,
                        headers.messageId);
                reply(out, "250 2.0.0 Ok: queued");
                record(acceptance);
                return true;
            }
            headers.line(line.startsWith(".") ? line.substring(1) : line); // undo dot-stuffing
        }
        return false;
    }

    private void record(Acceptance acceptance) {
        synchronized (accepted) {
            accepted.add(acceptance);
        }
        if (!acceptance.own()) {
            serviceAccepted.incrementAndGet();
        }
    }

    /** The header section of a message, line by line: keeps Subject and Message-ID, unfolding continuation lines. */
    private static final class HeaderReader {
        private boolean done;
        private StringBuilder current;
        String subject;
        String messageId;

        void line(String line) {
            if (done) {
                return;
            }
            if (line.isEmpty()) {
                end();
            } else if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append(' ').append(line.trim());
            } else {
                finishHeader();
                current = new StringBuilder(line);
            }
        }

        void end() {
            finishHeader();
            done = true;
        }

        private void finishHeader() {
            if (current == null) {
                return;
            }
            String header = current.toString();
            current = null;
            int colon = header.indexOf(':');
            if (colon <= 0) {
                return;
            }
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Subject")) {
                subject = value;
            } else if (name.equalsIgnoreCase("Message-ID")) {
                messageId = value;
            }
        }
    }

    // ---------------------------------------------------------------- the sink's ceiling

    /**
     * The ceiling: {@code micros} has one entry per message accepted, the time from connecting to the {@code 221} after
     * QUIT ({@link #sendOne}); {@code errors} counts the messages that failed.
     */
    record Ceiling(int connections, int messages, double seconds, List<Long> micros, int errors, String firstError) {

        double perSecond() {
            return seconds > 0 ? micros.size() / seconds : Double.NaN;
        }
    }

    /**
     * Sends {@code messages} messages of about the size of the service's notification emails to the sink on
     * {@code port} from {@code connections} threads, each message on a connection of its own (greeting, EHLO, MAIL,
     * RCPT, DATA, QUIT), as the service's mail library sends them.
     */
    static Ceiling measureCeiling(int port, int messages, int connections) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<Long> micros = Collections.synchronizedList(new ArrayList<>(messages));
        Thread[] workers = new Thread[connections];
        for (int t = 0; t < connections; t++) {
            workers[t] = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < messages && !Thread.currentThread().isInterrupted();
                        i = next.getAndIncrement()) {
                    long began = System.nanoTime();
                    try {
                        sendOne(port, i);
                        micros.add((System.nanoTime() - began) / 1000);
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                    }
                }
            }, "smtp-ceiling-" + t);
            workers[t].setDaemon(true);
        }
        long began = System.nanoTime();
        for (Thread worker : workers) {
            worker.start();
        }
        // Each message is bounded by its socket timeouts; this bounds the whole.
        if (BenchSupport.joinOrInterrupt(workers, began + TimeUnit.SECONDS.toNanos(120 + messages / 10))) {
            firstError.compareAndSet(null, "ceiling threads still running after the time limit");
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return new Ceiling(connections, messages, seconds, new ArrayList<>(micros), errors.get(), firstError.get());
    }

    /** One message on a connection of its own; an IOException for anything but the expected replies. */
    private static void sendOne(int port, int index) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5_000);
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            Writer out = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.ISO_8859_1));
            expect(in, 220, "greeting");
            command(out, in, "EHLO bench", 250);
            command(out, in, "MAIL FROM:<bench@bench.invalid>", 250);
            command(out, in, "RCPT TO:<sink@bench.invalid>", 250);
            command(out, in, "DATA", 354);
            out.write(ceilingMessage(index));
            command(out, in, ".", 250);
            command(out, in, "QUIT", 221);
        }
    }

    private static void command(Writer out, BufferedReader in, String command, int code) throws IOException {
        reply(out, command);
        expect(in, code, command);
    }

    /** Reads a reply (all its lines) and checks its code. */
    private static void expect(BufferedReader in, int code, String after) throws IOException {
        String line;
        do {
            line = readLine(in);
            if (line == null) {
                throw new IOException("connection closed; expected " + code + " after " + after);
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(Integer.toString(code))) {
            throw new IOException("expected " + code + " after " + after + ", got: " + BenchSupport.abbreviate(line));
        }
    }

    /**
     * A multipart text and HTML message of about 1.5 KB, like a notification email, with its final CRLF (the end of
     * data follows). No line starts with a dot.
     */
    private static String ceilingMessage(int index) {
        String boundary = "----=_Part_bench_" + index;
        String text = "User " + index + " favorited you on picflow - 1 Jan 2026, 12:00 (UTC)";
        String link = "http://127.0.0.1/api/unsubscribe?t=" + "x".repeat(120);
        return String.join("\r\n",
                "Date: Thu, 1 Jan 2026 12:00:00 +0000",
                "From: picflow <notifications@picflow.invalid>",
                "To: sink@bench.invalid",
                "Message-ID: <bench-sink-" + index + "@picflow>",
                "Subject: " + OWN_SUBJECT + index,
                "List-Unsubscribe: <" + link + ">",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                "MIME-Version: 1.0",
                "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"",
                "",
                "--" + boundary,
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 7bit",
                "",
                text,
                "",
                "To stop these emails: " + link,
                "--" + boundary,
                "Content-Type: text/html; charset=UTF-8",
                "Content-Transfer-Encoding: 7bit",
                "",
                "<!doctype html><html><body><ul><li>" + text + "</li></ul>",
                "<p><a href=\"" + link + "\">Stop these emails</a></p></body></html>",
                "--" + boundary + "--",
                "");
    }

    // ---------------------------------------------------------------- lines

    private static void reply(Writer out, String line) throws IOException {
        out.write(line);
        out.write("\r\n");
        out.flush();
    }

    /**
     * A line without its CRLF, or null at the end of the stream; an IOException beyond {@link #MAX_LINE} characters
     * (checked once read: a guard against a runaway client, not a memory bound).
     */
    private static String readLine(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line != null && line.length() > MAX_LINE) {
            throw new IOException("line of " + line.length() + " characters");
        }
        return line;
    }
}

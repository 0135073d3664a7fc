package io.picflow.bench;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;

/**
 * A local image server for the request benchmark: every path serves the same small PNG. While {@link #hold} is in
 * force it answers nothing (each request waits on its own thread), so that the service's fetches do not compete
 * with the ingest being measured; {@link #release} lets them all through.
 */
final class ImageServer {

    private static volatile String base;
    private static volatile CountDownLatch gate = new CountDownLatch(0);

    private ImageServer() {
    }

    static synchronized void start() throws IOException {
        if (base != null) {
            return;
        }
        byte[] png = png();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 128);
        server.createContext("/", exchange -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(png);
            }
        });
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "bench-image-server");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on, requests wait until {@link #release}. */
    static void hold() {
        gate = new CountDownLatch(1);
    }

    /** Answers every held request, and the ones that follow at once. */
    static void release() {
        gate.countDown();
    }

    static String url(String path) {
        return base + path;
    }

    private static byte[] png() {
        BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

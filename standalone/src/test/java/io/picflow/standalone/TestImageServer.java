package io.picflow.standalone;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;

/**
 * A real local HTTP server of images: {@code /img/<n>.png} serves a small PNG, {@code /slow/<n>.png}
 * a large one trickled slowly, with Range support (If-Range on a strong ETag) like a real server.
 */
final class TestImageServer implements AutoCloseable {

    private final MockWebServer server = new MockWebServer();

    TestImageServer() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                String digits = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\D", "");
                int n = digits.isEmpty() ? 0 : Integer.parseInt(digits);
                if (path.startsWith("/img/")) {
                    return new MockResponse.Builder().setHeader("Content-Type", "image/png")
                            .body(new Buffer().write(png(64 + n % 50, 48, n))).build();
                }
                if (path.startsWith("/slow/")) {
                    return slow(request, png(400, 400, n));
                }
                if (path.startsWith("/trickle/")) { // about 120 KB in about 30 s: still in flight when a node dies
                    return slow(request, png(200, 200, n), 1024);
                }
                return new MockResponse.Builder().code(404).build();
            }
        });
    }

    TestImageServer start() {
        try {
            server.start(InetAddress.getByName("127.0.0.1"), 0);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url(String path) {
        return server.url(path).toString();
    }

    private static MockResponse slow(RecordedRequest request, byte[] bytes) {
        return slow(request, bytes, 16 * 1024);
    }

    /** {@code bytesPerQuarterSecond} at a time, with Range support. */
    private static MockResponse slow(RecordedRequest request, byte[] bytes, int bytesPerQuarterSecond) {
        String etag = "\"slow-" + bytes.length + "\"";
        MockResponse.Builder response = new MockResponse.Builder().setHeader("Content-Type", "image/png").setHeader("ETag", etag)
                .throttleBody(bytesPerQuarterSecond, 250, TimeUnit.MILLISECONDS);
        String range = request.getHeaders().get("Range");
        if (range != null && etag.equals(request.getHeaders().get("If-Range"))) {
            int from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            if (from >= bytes.length) { // as a real server answers a range past the end
                return new MockResponse.Builder().code(416).setHeader("Content-Range", "bytes */" + bytes.length).build();
            }
            return response.code(206).setHeader("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length)
                    .body(new Buffer().write(Arrays.copyOfRange(bytes, from, bytes.length))).build();
        }
        return response.body(new Buffer().write(bytes)).build();
    }

    /** Noise from a fixed seed: hardly compressible, so size follows the dimensions. */
    static byte[] png(int width, int height, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
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

    @Override
    public void close() {
        server.close();
    }
}

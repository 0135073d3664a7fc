package io.picflow.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * The lifecycle benchmark's image set: real PNG files (8-bit RGB, random-noise pixels) whose sizes are
 * log-uniform between {@link #MIN_BYTES} and {@link #MAX_BYTES}, drawn from {@code java.util.Random(seed)}.
 *
 * <p>Noise does not compress, so a PNG of w x h pixels is about {@code h * (3w + 1)} bytes (one filter byte
 * per row) plus a small overhead; the dimensions are chosen square-ish from that. The sizes are drawn
 * first, one per image in order, so the first N sizes are the same whatever the image count; the pixels
 * come from the same generator afterwards. The whole set is deterministic.
 */
final class LifecycleImageSet {

    static final long SEED = 20261123L;
    static final long MIN_BYTES = 10_000;
    static final long MAX_BYTES = 5_000_000;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int IDAT_CHUNK = 64 * 1024;

    /** One image: its index (the URL is {@code /set/<index>.png}), the size aimed at and the file written. */
    record Image(int index, long targetBytes, int width, int height, Path file, long bytes) {
    }

    private final Path directory;
    private final List<Image> images;
    private final long seed;

    private LifecycleImageSet(Path directory, List<Image> images, long seed) {
        this.directory = directory;
        this.images = List.copyOf(images);
        this.seed = seed;
    }

    /** Writes {@code count} images as {@code <directory>/<i>.png}, from {@link #SEED}. */
    static LifecycleImageSet generate(Path directory, int count) throws IOException {
        return generate(directory, count, SEED);
    }

    /** Writes {@code count} images as {@code <directory>/<i>.png}, from {@code seed}. */
    static LifecycleImageSet generate(Path directory, int count, long seed) throws IOException {
        Files.createDirectories(directory);
        Random random = new Random(seed);
        double logMin = Math.log(MIN_BYTES);
        double logMax = Math.log(MAX_BYTES);
        long[] targets = new long[count];
        for (int i = 0; i < count; i++) {
            targets[i] = Math.round(Math.exp(logMin + random.nextDouble() * (logMax - logMin)));
        }
        List<Image> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int[] size = dimensionsFor(targets[i]);
            Path file = directory.resolve(i + ".png");
            try (OutputStream out = Files.newOutputStream(file)) {
                writeNoisePng(out, size[0], size[1], random);
            }
            images.add(new Image(i, targets[i], size[0], size[1], file, Files.size(file)));
        }
        return new LifecycleImageSet(directory, images, seed);
    }

    /**
     * Square-ish dimensions whose noise PNG is close to {@code targetBytes}: the raw scanlines
     * {@code h * (3w + 1)} plus the chunk and zlib framing (about 51 bytes, 12 per IDAT chunk, 5 per
     * stored deflate block of up to 16 KB).
     */
    static int[] dimensionsFor(long targetBytes) {
        double raw = Math.max(64, (targetBytes - 51) / (1 + 5.0 / 16384 + 12.0 / IDAT_CHUNK));
        int width = (int) Math.max(1, Math.round(Math.sqrt(raw / 3)));
        int height = (int) Math.max(1, Math.round(raw / (3.0 * width + 1)));
        return new int[] {width, height};
    }

    /** A PNG of random RGB pixels, filter type 0 on every row, deflated at the default level. */
    static void writeNoisePng(OutputStream out, int width, int height, Random random) throws IOException {
        out.write(SIGNATURE);
        ByteBuffer header = ByteBuffer.allocate(13);
        header.putInt(width).putInt(height)
                .put((byte) 8)  // bit depth
                .put((byte) 2)  // colour type: RGB
                .put((byte) 0)  // deflate
                .put((byte) 0)  // adaptive filtering
                .put((byte) 0); // no interlace
        chunk(out, "IHDR", header.array(), 0, 13);

        ByteArrayOutputStream compressed = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
                (long) height * (3L * width + 1) + 1024));
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try (DeflaterOutputStream zlib = new DeflaterOutputStream(compressed, deflater, 64 * 1024)) {
            byte[] row = new byte[1 + 3 * width];
            for (int y = 0; y < height; y++) {
                random.nextBytes(row);
                row[0] = 0; // filter: none
                zlib.write(row);
            }
        } finally {
            deflater.end();
        }
        byte[] data = compressed.toByteArray();
        for (int at = 0; at < data.length; at += IDAT_CHUNK) {
            chunk(out, "IDAT", data, at, Math.min(IDAT_CHUNK, data.length - at));
        }
        chunk(out, "IEND", new byte[0], 0, 0);
    }

    private static void chunk(OutputStream out, String type, byte[] data, int offset, int length) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data, offset, length);
        out.write(ByteBuffer.allocate(4).putInt(length).array());
        out.write(typeBytes);
        out.write(data, offset, length);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    Path directory() {
        return directory;
    }

    List<Image> images() {
        return images;
    }

    int size() {
        return images.size();
    }

    Image image(int index) {
        return index >= 0 && index < images.size() ? images.get(index) : null;
    }

    long totalBytes() {
        return images.stream().mapToLong(Image::bytes).sum();
    }

    long largestBytes() {
        return images.stream().mapToLong(Image::bytes).max().orElse(0);
    }

    /** One line for the report: count, total, spread of sizes and dimensions, fit to the targets. */
    String describe() {
        long[] sizes = images.stream().mapToLong(Image::bytes).sorted().toArray();
        if (sizes.length == 0) {
            return "no images";
        }
        double worst = 0;
        for (Image image : images) {
            worst = Math.max(worst, Math.abs(image.bytes() - image.targetBytes()) / (double) image.targetBytes());
        }
        int minSide = images.stream().mapToInt(i -> Math.min(i.width(), i.height())).min().orElse(0);
        int maxSide = images.stream().mapToInt(i -> Math.max(i.width(), i.height())).max().orElse(0);
        return String.format(java.util.Locale.ROOT,
                "%d noise PNGs (8-bit RGB), sizes log-uniform %d..%d bytes from java.util.Random(%d): total %.1f MB,"
                        + " min %.1f KB, median %.1f KB, max %.2f MB, sides %d..%d px, largest deviation from the target size %.2f%%",
                sizes.length, MIN_BYTES, MAX_BYTES, seed, totalBytes() / 1e6, sizes[0] / 1e3,
                sizes[sizes.length / 2] / 1e3, sizes[sizes.length - 1] / 1e6, minSide, maxSide, worst * 100);
    }
}

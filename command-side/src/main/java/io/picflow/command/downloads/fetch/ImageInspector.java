package io.picflow.command.downloads.fetch;

import static io.picflow.events.downloads.DownloadErrorCodes.CORRUPT_IMAGE;
import static io.picflow.events.downloads.DownloadErrorCodes.TOO_MANY_PIXELS;
import static io.picflow.events.downloads.DownloadErrorCodes.UNSUPPORTED_FORMAT;

import io.picflow.events.downloads.DownloadErrorCodes;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Validates and processes a fetched file: the format from its magic bytes, the dimensions from its
 * header before anything is decoded (a decompression bomb is refused unread), then a decode, with
 * subsampling so that a large image never sits in memory at full size, into a thumbnail.
 */
final class ImageInspector {

    static {
        // In a Spring Boot jar the plugin (WebP) is not always found by ImageIO's first scan.
        ImageIO.scanForPlugins();
    }

    record Header(ImageFormat format, int width, int height) {
    }

    private final long maxPixels;
    private final int thumbnailSize;

    ImageInspector(long maxPixels, int thumbnailSize) {
        this.maxPixels = maxPixels;
        this.thumbnailSize = thumbnailSize;
    }

    Header validate(Path file) throws FetchFailure {
        ImageFormat format = sniff(file);
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = readerFor(format, input);
            try {
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw FetchFailure.permanent(CORRUPT_IMAGE, "The " + format + " header has no valid dimensions");
                }
                if ((long) width * height > maxPixels) {
                    throw FetchFailure.permanent(TOO_MANY_PIXELS, width + "x" + height + " pixels is more than the limit of " + maxPixels);
                }
                return new Header(format, width, height);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw FetchFailure.permanent(CORRUPT_IMAGE, "The " + format + " header cannot be read: " + e.getMessage());
        }
    }

    /** Decodes the image (subsampled) and returns its thumbnail; a truncated or corrupt file fails here. */
    BufferedImage thumbnail(Path file, Header header) throws FetchFailure {
        try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = readerFor(header.format(), input);
            try {
                CorruptionDetector corruption = new CorruptionDetector();
                reader.addIIOReadWarningListener(corruption);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = Math.max(1, Math.max(header.width(), header.height()) / (thumbnailSize * 2));
                param.setSourceSubsampling(step, step, 0, 0);
                BufferedImage decoded = reader.read(0, param);
                if (corruption.warning != null) {
                    throw FetchFailure.permanent(CORRUPT_IMAGE, "The image data is damaged: " + corruption.warning);
                }
                return scale(decoded);
            } finally {
                reader.dispose();
            }
        } catch (FetchFailure failure) {
            throw failure;
        } catch (IOException | RuntimeException e) {
            throw FetchFailure.permanent(CORRUPT_IMAGE, "The image cannot be decoded (truncated or corrupt): " + e.getMessage());
        }
    }

    private BufferedImage scale(BufferedImage source) {
        double factor = Math.min(1.0, (double) thumbnailSize / Math.max(source.getWidth(), source.getHeight()));
        int width = Math.max(1, (int) Math.round(source.getWidth() * factor));
        int height = Math.max(1, (int) Math.round(source.getHeight() * factor));
        // An opaque image gets an opaque thumbnail: a PNG without an alpha channel is a quarter smaller and
        // encodes in about half the time.
        int type = source.getColorModel().hasAlpha() ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB;
        BufferedImage thumbnail = new BufferedImage(width, height, type);
        Graphics2D graphics = thumbnail.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            graphics.drawImage(source, 0, 0, width, height, null);
        } finally {
            graphics.dispose();
        }
        return thumbnail;
    }

    private static ImageFormat sniff(Path file) throws FetchFailure {
        byte[] head = new byte[16];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw FetchFailure.transientFailure(DownloadErrorCodes.STORAGE_ERROR, "Could not read the fetched file: " + e.getMessage());
        }
        byte[] actual = java.util.Arrays.copyOf(head, read);
        return ImageFormat.sniff(actual).orElseThrow(() -> FetchFailure.permanent(UNSUPPORTED_FORMAT,
                "Not a JPEG, PNG, GIF or WebP image" + describe(actual)));
    }

    private static String describe(byte[] head) {
        String text = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).trim().toLowerCase();
        if (text.startsWith("<!doctype") || text.startsWith("<html") || text.startsWith("<")) {
            return " (it looks like an HTML page)";
        }
        return head.length == 0 ? " (the body is empty)" : "";
    }

    private static ImageReader readerFor(ImageFormat format, ImageInputStream input) throws IOException {
        if (input == null) {
            throw new IIOException("no input");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.name().toLowerCase());
        if (!readers.hasNext()) {
            throw new IIOException("No reader for " + format);
        }
        ImageReader reader = readers.next();
        reader.setInput(input, true, true);
        return reader;
    }

    /** ImageIO reports some damage (e.g. a JPEG cut short) only as a warning; we treat it as corruption. */
    private static final class CorruptionDetector implements javax.imageio.event.IIOReadWarningListener {
        private volatile String warning;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            this.warning = warning;
        }
    }
}

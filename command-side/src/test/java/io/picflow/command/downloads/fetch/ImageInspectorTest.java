package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation and processing of real image files, and of files that only pretend to be images. */
class ImageInspectorTest {

    @TempDir
    Path directory;

    private final ImageInspector inspector = new ImageInspector(50_000_000, 256);

    @Test
    void recognises_each_supported_format_by_its_bytes_and_reads_the_dimensions() throws Exception {
        assertThat(inspector.validate(file("a.png", TestImages.png(640, 480))))
                .isEqualTo(new ImageInspector.Header(ImageFormat.PNG, 640, 480));
        assertThat(inspector.validate(file("a.jpg", TestImages.jpeg(300, 200))))
                .isEqualTo(new ImageInspector.Header(ImageFormat.JPEG, 300, 200));
        assertThat(inspector.validate(file("a.gif", TestImages.gif(20, 10))))
                .isEqualTo(new ImageInspector.Header(ImageFormat.GIF, 20, 10));
        assertThat(inspector.validate(file("a.webp", TestImages.WEBP_1X1)))
                .isEqualTo(new ImageInspector.Header(ImageFormat.WEBP, 1, 1));
    }

    @Test
    void thumbnails_keep_the_aspect_ratio_within_the_longest_side() throws Exception {
        Path png = file("big.png", TestImages.png(1600, 900));
        BufferedImage thumbnail = inspector.thumbnail(png, inspector.validate(png));
        assertThat(thumbnail.getWidth()).isEqualTo(256);
        assertThat(thumbnail.getHeight()).isEqualTo(144);

        Path small = file("small.gif", TestImages.gif(40, 20));
        assertThat(inspector.thumbnail(small, inspector.validate(small)).getWidth()).isEqualTo(40);
        Path webp = file("one.webp", TestImages.WEBP_1X1);
        assertThat(inspector.thumbnail(webp, inspector.validate(webp)).getWidth()).isEqualTo(1);
    }

    @Test
    void a_thumbnail_has_an_alpha_channel_only_when_its_image_has_one() throws Exception {
        Path jpeg = file("opaque.jpg", TestImages.jpeg(600, 400));
        assertThat(inspector.thumbnail(jpeg, inspector.validate(jpeg)).getColorModel().hasAlpha()).isFalse();

        Path transparent = file("transparent.png", TestImages.transparentPng(600, 400));
        BufferedImage thumbnail = inspector.thumbnail(transparent, inspector.validate(transparent));
        assertThat(thumbnail.getColorModel().hasAlpha()).isTrue();
        assertThat(thumbnail.getRGB(thumbnail.getWidth() / 2, thumbnail.getHeight() / 2) >>> 24)
                .as("alpha of a fully transparent image's thumbnail").isZero();
    }

    @Test
    void an_html_page_is_not_an_image_whatever_its_content_type_said() throws Exception {
        Path html = file("page", "<!DOCTYPE html><html><body>Not found</body></html>".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> inspector.validate(html))
                .isInstanceOfSatisfying(FetchFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("UNSUPPORTED_FORMAT");
                    assertThat(f.retryable()).isFalse();
                    assertThat(f.getMessage()).contains("HTML");
                });
        assertThatThrownBy(() -> inspector.validate(file("empty", new byte[0])))
                .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("UNSUPPORTED_FORMAT"));
    }

    @Test
    void a_decompression_bomb_is_refused_from_its_header_without_decoding() throws Exception {
        // A 100000 x 100000 PNG whose file is tiny: only the header is real.
        Path bomb = file("bomb.png", pngHeaderOnly(100_000, 100_000));
        assertThatThrownBy(() -> inspector.validate(bomb))
                .isInstanceOfSatisfying(FetchFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("TOO_MANY_PIXELS");
                    assertThat(f.retryable()).isFalse();
                });
    }

    @Test
    void truncated_or_corrupt_files_fail_with_a_clear_code() throws Exception {
        byte[] png = TestImages.png(200, 200);
        Path truncated = file("cut.png", Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> inspector.thumbnail(truncated, inspector.validate(truncated)))
                .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("CORRUPT_IMAGE"));

        byte[] jpeg = TestImages.jpeg(200, 200);
        Path cutJpeg = file("cut.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        assertThatThrownBy(() -> inspector.thumbnail(cutJpeg, inspector.validate(cutJpeg)))
                .isInstanceOfSatisfying(FetchFailure.class, f -> assertThat(f.code()).isEqualTo("CORRUPT_IMAGE"));
    }

    private Path file(String name, byte[] content) throws Exception {
        return Files.write(directory.resolve(name), content);
    }

    /** PNG signature, an IHDR claiming the given size, one empty IDAT and IEND. */
    private static byte[] pngHeaderOnly(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        ihdr.write(new byte[] {(byte) (width >>> 24), (byte) (width >>> 16), (byte) (width >>> 8), (byte) width,
                (byte) (height >>> 24), (byte) (height >>> 16), (byte) (height >>> 8), (byte) height, 8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(idat, new Deflater())) {
            deflate.write(new byte[16]);
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
        out.write(new byte[] {(byte) (data.length >>> 24), (byte) (data.length >>> 16), (byte) (data.length >>> 8), (byte) data.length});
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        long value = crc.getValue();
        out.write(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }
}

package io.picflow.command.downloads;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The body of {@code POST /api/downloads}. Limits keep events small and the read models sane; the
 * URL's shape is checked by {@link DownloadUrls}.
 */
public record DownloadRequestBody(
        @NotBlank @Size(max = DownloadUrls.MAX_LENGTH) String url,
        @Size(max = 255) @Pattern(regexp = "[^\\p{Cntrl}/\\\\]*", message = "must not contain control characters or path separators")
        String fileName,
        @Size(max = 32, message = "at most 32 tags")
        List<@NotBlank @Size(max = 64) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String> tags) {

    public List<String> tagsOrEmpty() {
        return tags == null ? List.of() : tags.stream().map(String::trim).distinct().toList();
    }

    public String fileNameOrNull() {
        return fileName == null || fileName.isBlank() ? null : fileName.trim();
    }
}

package io.picflow.command.downloads.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each fetch of a download has files of its own on the shared storage; a later fetch continues from a copy. */
class PartialDownloadTest {

    @TempDir
    Path directory;

    @Test
    void a_later_fetch_continues_from_a_copy_of_the_newest_earlier_one_and_the_earlier_files_go() throws IOException {
        Files.writeString(directory.resolve("d.f1.part"), "old");
        Files.writeString(directory.resolve("d.f1.validators"), "\"v1\"\n\n");
        Files.writeString(directory.resolve("d.f2.part"), "newer");
        Files.writeString(directory.resolve("d.f2.validators"), "\"v2\"\n\n");
        Files.writeString(directory.resolve("other.f1.part"), "not mine");

        PartialDownload third = new PartialDownload(directory, "d", 3);
        third.adoptEarlier();

        assertThat(directory.resolve("d.f3.part")).hasContent("newer");
        assertThat(directory.resolve("d.f3.validators")).hasContent("\"v2\"\n\n");
        assertThat(third.size()).isEqualTo(5);
        assertThat(names()).containsExactlyInAnyOrder("d.f3.part", "d.f3.validators", "other.f1.part");
    }

    @Test
    void a_file_from_before_fetches_had_their_own_counts_as_fetch_zero() throws IOException {
        Files.writeString(directory.resolve("d.part"), "legacy");
        Files.writeString(directory.resolve("d.validators"), "\"v0\"\n\n");

        new PartialDownload(directory, "d", 1).adoptEarlier();

        assertThat(directory.resolve("d.f1.part")).hasContent("legacy");
        assertThat(names()).containsExactlyInAnyOrder("d.f1.part", "d.f1.validators");
    }

    @Test
    void a_fetch_that_has_bytes_already_keeps_them_and_a_later_one_is_never_adopted() throws IOException {
        Files.writeString(directory.resolve("d.f2.part"), "mine");
        Files.writeString(directory.resolve("d.f3.part"), "a later fetch's");

        new PartialDownload(directory, "d", 2).adoptEarlier();

        assertThat(directory.resolve("d.f2.part")).hasContent("mine");
        assertThat(directory.resolve("d.f3.part")).exists();
    }

    @Test
    void discarding_up_to_a_fetch_leaves_later_fetches_and_handed_over_files_alone() throws IOException {
        for (String name : new String[] {"d.part", "d.f1.part", "d.f2.validators", "d.f3.part", "d.fetch2"}) {
            Files.writeString(directory.resolve(name), "x");
        }

        PartialDownload.discardAll(directory, "d", 2);

        assertThat(names()).containsExactlyInAnyOrder("d.f3.part", "d.fetch2");
    }

    private Stream<String> namesStream() throws IOException {
        return Files.list(directory).map(path -> path.getFileName().toString());
    }

    private java.util.List<String> names() throws IOException {
        try (Stream<String> names = namesStream()) {
            return names.toList();
        }
    }
}

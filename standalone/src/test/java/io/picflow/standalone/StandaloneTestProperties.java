package io.picflow.standalone;

import io.picflow.devservices.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Both sides in one context that downloads from a local image server: test services, one storage directory for both. */
final class StandaloneTestProperties {

    private StandaloneTestProperties() {
    }

    static void register(DynamicPropertyRegistry registry, String storagePrefix) throws IOException {
        TestServices.applicationProperties(true).forEach((key, value) -> registry.add(key, () -> value));
        String storage = Files.createTempDirectory(storagePrefix).toString();
        registry.add("picflow.downloads.storage-dir", () -> storage);
        registry.add("picflow.images.storage-dir", () -> storage);
        registry.add("picflow.downloads.allow-private-addresses", () -> "true");
    }
}

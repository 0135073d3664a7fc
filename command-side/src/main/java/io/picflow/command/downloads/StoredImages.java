package io.picflow.command.downloads;

import io.picflow.command.downloads.fetch.DownloadsProperties;
import io.picflow.command.downloads.fetch.ImageLibrary;
import java.nio.file.Files;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/** What other contexts may ask the image library: is there a stored image with this id? */
@Component
public class StoredImages {

    private static final Pattern IMAGE_ID = Pattern.compile("[0-9a-f]{64}");

    private final DownloadsProperties properties;

    StoredImages(DownloadsProperties properties) {
        this.properties = properties;
    }

    public boolean exists(String imageId) {
        return imageId != null && IMAGE_ID.matcher(imageId).matches()
                && Files.isRegularFile(ImageLibrary.imageFile(properties.storageDir(), imageId));
    }
}

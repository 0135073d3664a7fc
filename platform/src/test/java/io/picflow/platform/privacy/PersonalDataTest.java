package io.picflow.platform.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.events.EncryptedText;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Crypto-shredding: what a sealed text opens to, for whom, and that erasing a key is the end of it. */
class PersonalDataTest {

    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final PersonalData personalData = new PersonalData(new UserKeySource() {
        @Override
        public byte[] getOrCreate(String userId) {
            return keys.computeIfAbsent(userId, id -> PersonalTextCipher.newKey());
        }

        @Override
        public Optional<byte[]> find(String userId) {
            return Optional.ofNullable(keys.get(userId));
        }
    });

    @Test
    void a_text_opens_for_its_owner_only_and_never_after_the_owners_key_is_erased() {
        EncryptedText name = personalData.seal("ann", "Ann Example");
        assertThat(name.ciphertext()).startsWith("v1.").doesNotContain("Ann");
        assertThat(personalData.seal("ann", "Ann Example")).isNotEqualTo(name); // a fresh IV each time
        assertThat(personalData.open("ann", name)).contains("Ann Example");

        personalData.seal("bob", "Bob"); // bob has a key of his own
        assertThat(personalData.open("bob", name)).isEmpty();

        keys.remove("ann");
        assertThat(personalData.open("ann", name)).isEmpty();
        assertThat(personalData.seal("cat", null)).isNull();
        assertThat(personalData.open("cat", null)).isEmpty();
    }

    @Test
    void a_text_about_another_user_opens_only_while_both_keys_exist() {
        EncryptedText note = personalData.sealAbout("ann", "bob", "met at the gallery");
        assertThat(note.ciphertext()).startsWith("v1p.");
        assertThat(personalData.openAbout("ann", "bob", note)).contains("met at the gallery");
        // Not the same text read the other way round, nor as a text of one owner.
        assertThat(personalData.openAbout("bob", "ann", note)).isEmpty();
        assertThat(personalData.open("ann", note)).isEmpty();

        byte[] bob = keys.remove("bob");
        assertThat(personalData.openAbout("ann", "bob", note)).isEmpty();
        keys.put("bob", bob);
        keys.remove("ann");
        assertThat(personalData.openAbout("ann", "bob", note)).isEmpty();
    }

    @Test
    void an_altered_or_foreign_ciphertext_opens_to_nothing_rather_than_failing_the_reader() {
        EncryptedText name = personalData.seal("ann", "Ann");
        String text = name.ciphertext();
        int middle = text.length() / 2; // not the last character, whose low bits base64 may ignore
        EncryptedText altered = new EncryptedText(text.substring(0, middle) + (text.charAt(middle) == 'A' ? 'B' : 'A')
                + text.substring(middle + 1));
        assertThat(personalData.open("ann", altered)).isEmpty();
        assertThat(personalData.open("ann", new EncryptedText("v1.not*base64"))).isEmpty();
        assertThat(personalData.open("ann", new EncryptedText("v9.AAAA"))).isEmpty();
    }
}

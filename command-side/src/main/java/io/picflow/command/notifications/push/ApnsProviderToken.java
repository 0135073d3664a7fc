package io.picflow.command.notifications.push;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * APNs' token-based authentication: a JWT signed with the team's key (ES256, {@code kid} the key's id, {@code iss} the
 * team, {@code iat}). Apple refuses a token older than an hour, and a client that makes a new one more often than every
 * 20 minutes ({@code TooManyProviderTokenUpdates}): one is used for 50 minutes, and one APNs refused is replaced once it
 * is 20 minutes old, not before.
 */
final class ApnsProviderToken {

    static final Duration REUSE = Duration.ofMinutes(50);
    static final Duration MIN_LIFE = Duration.ofMinutes(20);

    private final String teamId;
    private final String keyId;
    private final ECDSASigner signer;
    private final Clock clock;
    private String token;
    private Instant issuedAt = Instant.MIN;
    private boolean refused;

    ApnsProviderToken(String teamId, String keyId, Path privateKeyFile, Clock clock) {
        this.teamId = teamId;
        this.keyId = keyId;
        try {
            this.signer = new ECDSASigner((ECPrivateKey) PushHttp.privateKey(PushHttp.read(privateKeyFile), "EC"));
        } catch (IllegalArgumentException | ClassCastException | JOSEException e) {
            throw new IllegalStateException(privateKeyFile + " is not a PKCS#8 EC P-256 private key: " + e.getMessage(), e);
        }
        this.clock = clock;
    }

    synchronized String current() {
        Instant now = clock.instant();
        Duration age = Duration.between(issuedAt, now);
        if (token == null || age.compareTo(REUSE) >= 0 || (refused && age.compareTo(MIN_LIFE) >= 0)) {
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(teamId).issueTime(Date.from(now)).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).build(), claims);
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException("Could not sign the APNs provider token", e);
            }
            token = jwt.serialize();
            issuedAt = now;
            refused = false;
        }
        return token;
    }

    /** APNs said the token expired or is invalid: it is replaced as soon as Apple allows. */
    synchronized void refused(String refusedToken) {
        if (refusedToken.equals(token)) {
            refused = true;
        }
    }
}

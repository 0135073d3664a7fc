/**
 * The devices context: the phones and browsers a user receives push notifications on (FCM, APNs). A device's
 * registration token is a credential and never travels in these events: it stays in the command side's {@code device}
 * table, where an erasure deletes it. Events name a device by its {@code deviceId}, a random id that reveals nothing of
 * the token.
 */
package io.picflow.events.devices;

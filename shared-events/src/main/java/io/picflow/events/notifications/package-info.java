/**
 * The notifications context: who is told what (the command side decides and sends, the query side shows the inbox,
 * the preferences and the delivery log). Contact details, verification codes and providers' answers never travel in
 * these events: they stay in the command side's tables, where an erasure deletes them.
 */
package io.picflow.events.notifications;

// Package notify makes writ act on time by itself: it renders the letters
// (notices to customers, redirect letters to agencies, notifications of
// data protection authorities, deadline reminders and escalations) from
// versioned templates, and sends them by e-mail over SMTP and by signed
// webhooks, from the durable job queue the store keeps.
//
// Delivery is at least once, never exactly once: SMTP cannot promise more.
// A job is completed — and its notice recorded as sent, its demand made
// visible to the customer — in the same transaction, after the channel
// accepted the message. A server that dies between the two sends the
// message again once its lease has run out, under the same Message-ID (and
// for webhooks the same Writ-Event-Id), so a recipient can drop the copy.
// A job that was completed is never sent again, by this server or another.
//
// Letters are rendered from templates/v1; a change of wording is a new
// version folder, and every letter names the version that wrote it.
package notify

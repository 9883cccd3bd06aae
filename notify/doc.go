// Package notify makes writ act on time by itself: it owns the jobs writ
// runs (notices to customers, redirect letters to agencies, notifications
// of data protection authorities, deadline reminders and escalations,
// emergency alerts), gathers what each needs from the records, renders the
// letters from versioned templates, and sends them by e-mail over SMTP and
// by signed webhooks. River runs the jobs, in the store's own database:
// Queue enqueues them in the store's transactions, Worker works them.
//
// A notice is sent exactly once short of a crash, at least once across
// one: SMTP cannot promise more. A job is completed — and its notice
// recorded as sent, its demand made visible to the customer — in one
// transaction, after the channel accepted the message, and only by the
// attempt that holds the job (see Worker). A server that dies between the
// two sends the message again once River's rescuer gives the job to
// another attempt, under the same Message-ID (and for webhooks the same
// Writ-Event-Id), so a recipient can drop the copy. A job that was
// completed is never sent again, by this server or another.
//
// Letters are rendered from templates/v1; a change of wording is a new
// version folder, and every letter names the version that wrote it.
package notify

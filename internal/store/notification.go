package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/notify"
)

// Notification is one entry of a user's in-app inbox.
type Notification struct {
	ID         string
	Kind       notify.Kind
	Subject    string
	Body       string
	Link       string
	ReferralID string
	UnitID     string
	CreatedAt  time.Time
	ReadAt     *time.Time

	// What it is about, as it stands now: the program and unit of its referral or unit, and the
	// referral's current status (empty when it is not about a referral).
	Program, Unit  string
	ReferralStatus cas.ReferralStatus
}

// about is what a notification concerns: the records it links to, the page its link opens (from
// package links), and, for reminders, a key that makes it once-only per recipient.
type about struct {
	referralID, unitID string
	// clientID names the client whose navigator the Navigator audience is.
	clientID string
	path     string
	once     string
}

// notify writes a notification of a kind to each of its recipients in the transaction of the
// event, and an outbox email for each recipient who reads email as it happens. Nothing is sent
// before the transaction commits; the worker delivers the outbox.
func (tx *Tx) notify(kind notify.Kind, agencyID string, d notify.Data, a about) error {
	d.Link = tx.db.BaseURL + a.path
	msg, err := notify.Render(kind, d)
	if err != nil {
		return err
	}
	recipients, err := tx.recipients(notify.AudienceOf(kind), agencyID, a.clientID)
	if err != nil {
		return err
	}
	if len(recipients) == 0 && notify.NeedsAnswer(kind) {
		// An agency without a CAS Contact would never hear of a referral waiting for its answer:
		// the CAS admins are told instead, so it does not go nowhere.
		return tx.notify(notify.NoCASContact, agencyID, d, a)
	}
	for _, u := range recipients {
		if u.ID == tx.actor.ID && notify.SkipsAuthor(kind) {
			continue
		}
		var once any
		if a.once != "" {
			once = fmt.Sprintf("%s:%s:%s", kind, a.once, u.ID)
		}
		mode, err := tx.emailMode(u, kind)
		if err != nil {
			return err
		}
		// A notification emailed at once is settled (digested_at); one left for the digest is not.
		var settled any
		if mode == cas.EmailImmediate {
			settled = tx.now
		}
		res, err := tx.exec(`INSERT INTO notifications (id, user_id, kind, subject, body, link, referral_id, unit_id, created_at, dedupe_key, digested_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
			newID(), u.ID, kind, msg.Subject, msg.Text, d.Link, nullString(a.referralID), nullString(a.unitID), tx.now, once, settled)
		if err != nil {
			return fmt.Errorf("notify %s: %w", kind, err)
		}
		if n, _ := res.RowsAffected(); n == 0 || mode == cas.EmailDigest {
			continue // already told, or told in tomorrow's digest
		}
		if _, err := tx.queueEmail(u, msg, false); err != nil {
			return err
		}
	}
	return nil
}

// queueEmail queues an email to a user in the outbox and returns its outbox ID.
func (tx *Tx) queueEmail(u cas.User, msg notify.Message, digest bool) (string, error) {
	id := newID()
	_, err := tx.exec(`INSERT INTO email_outbox (id, user_id, to_address, subject, text_body, html_body, digest, status, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)`, id, u.ID, u.Email, msg.Subject, msg.Text, msg.HTML, digest, tx.now)
	if err != nil {
		return "", fmt.Errorf("queue email to %s: %w", u.ID, err)
	}
	return id, tx.wakeWorkers()
}

// recipients lists the active accounts an audience names: of an agency, or the navigator of a
// client.
func (tx *Tx) recipients(a notify.Audience, agencyID, clientID string) ([]cas.User, error) {
	query, args := `SELECT `+userColumns+` FROM users WHERE disabled_at IS NULL AND role = 'cas_admin' ORDER BY id`, []any(nil)
	switch a {
	case notify.AgencyContacts:
		query, args = `SELECT `+userColumns+` FROM users WHERE disabled_at IS NULL AND agency_id = $1 AND cas_contact ORDER BY id`, []any{agencyID}
	case notify.Navigator:
		query, args = `SELECT `+userColumns+` FROM users WHERE disabled_at IS NULL
			AND id = (SELECT navigator_user_id FROM clients WHERE id = $1)`, []any{clientID}
	case notify.HMISTeam:
		query = `SELECT ` + userColumns + ` FROM users WHERE disabled_at IS NULL AND role = 'hmis_admin' ORDER BY id`
	}
	var users []cas.User
	err := eachRow(tx.ctx, tx, query, args, func(row scanner) error {
		u, err := scanUser(row)
		users = append(users, u)
		return err
	})
	return users, err
}

// referralData is what a referral's notifications say: names of the program, facility, agency and
// unit, and the deadline; never the client.
func (tx *Tx) referralData(r cas.Referral) (notify.Data, error) {
	d := notify.Data{Deadline: notify.FormatDeadline(r.Deadline, tx.db.Zone)}
	err := tx.queryRow(`SELECT p.name, f.name, a.name, COALESCE((SELECT label FROM units WHERE id = $2), '')
		FROM facilities f JOIN programs p ON p.id = f.program_id JOIN agencies a ON a.id = f.agency_id WHERE f.id = $1`,
		r.FacilityID, r.UnitID).Scan(&d.Program, &d.Facility, &d.Agency, &d.Unit)
	if err != nil {
		return d, fmt.Errorf("referral %s names: %w", r.ID, err)
	}
	return d, nil
}

// notifyReferral tells of an event of a referral: those the kind names, and the client's navigator
// in words of their own (notify.NavigatorNews).
func (tx *Tx) notifyReferral(kind notify.Kind, r cas.Referral, reason string) error {
	d, err := tx.referralData(r)
	if err != nil {
		return err
	}
	d.Reason = reason
	a := about{referralID: r.ID, clientID: r.ClientID, path: links.Referral(r.ID)}
	if err := tx.notify(kind, r.AgencyID, d, a); err != nil {
		return err
	}
	news, ok := notify.NavigatorNews(kind)
	if !ok {
		return nil
	}
	d.Event = news
	return tx.notify(notify.NavigatedReferral, r.AgencyID, d, a)
}

func (tx *Tx) notifyUnit(kind notify.Kind, u cas.Unit, reason string, expected cas.Date) error {
	d := notify.Data{Unit: u.Label, Reason: reason, Deadline: string(expected)}
	if err := tx.facilityNames(u.FacilityID, &d); err != nil {
		return err
	}
	return tx.notify(kind, u.AgencyID, d, about{unitID: u.ID, path: links.Unit(u.FacilityID, u.ID)})
}

// facilityNames fills a notification's program and facility names.
func (tx *Tx) facilityNames(facilityID string, d *notify.Data) error {
	if err := tx.queryRow(`SELECT p.name, f.name FROM facilities f JOIN programs p ON p.id = f.program_id WHERE f.id = $1`, facilityID).
		Scan(&d.Program, &d.Facility); err != nil {
		return fmt.Errorf("facility %s names: %w", facilityID, err)
	}
	return nil
}

// Notifications lists the actor's inbox: unread first, newest first within each.
func (db *DB) Notifications(ctx context.Context, actor *cas.User, page Page) ([]Notification, string, int, error) {
	list, next, err := listPage(page, 2, func(after []string, limit int) (*sql.Rows, error) {
		if after[0] == "" {
			after = []string{"0", "~"}
		}
		// Unread ('0') before read ('1'), newest first within each.
		// The program, unit and status are read as they are now: the inbox says where a referral
		// stands, not where it stood when the notification was written.
		return db.sql.QueryContext(ctx, `SELECT inbox.id, inbox.kind, inbox.subject, inbox.body, inbox.link, inbox.referral_id, inbox.unit_id,
				inbox.created_at, inbox.read_at, COALESCE(p.name, ''), COALESCE(un.label, ''), COALESCE(r.status, '') FROM (
				SELECT n.*, CASE WHEN read_at IS NULL THEN '0' ELSE '1' END AS unread_key FROM notifications n WHERE user_id = $1) inbox
			LEFT JOIN referrals r ON r.id = inbox.referral_id
			LEFT JOIN units un ON un.id = COALESCE(inbox.unit_id, r.unit_id)
			LEFT JOIN facilities f ON f.id = COALESCE(r.facility_id, un.facility_id)
			LEFT JOIN programs p ON p.id = f.program_id
			WHERE inbox.unread_key > $2 OR (inbox.unread_key = $2 AND inbox.id < $3) ORDER BY inbox.unread_key, inbox.id DESC LIMIT $4`,
			actor.ID, after[0], after[1], limit)
	}, func(row scanner) (Notification, error) {
		var n Notification
		var created, read anyTime
		var referral, unit sql.NullString
		err := row.Scan(&n.ID, &n.Kind, &n.Subject, &n.Body, &n.Link, &referral, &unit, &created, &read, &n.Program, &n.Unit, &n.ReferralStatus)
		n.ReferralID, n.UnitID, n.CreatedAt, n.ReadAt = referral.String, unit.String, created.Time, read.ptr()
		return n, err
	}, func(n Notification) []string {
		if n.ReadAt != nil {
			return []string{"1", n.ID}
		}
		return []string{"0", n.ID}
	})
	if err != nil {
		return nil, "", 0, fmt.Errorf("inbox: %w", err)
	}
	unread, err := db.UnreadCount(ctx, actor)
	return list, next, unread, err
}

// UnreadCount counts the actor's unread notifications.
func (db *DB) UnreadCount(ctx context.Context, actor *cas.User) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, actor.ID).Scan(&n)
	return n, err
}

// MarkNotificationRead marks one of the actor's notifications read; others' are not found.
func (db *DB) MarkNotificationRead(ctx context.Context, actor *cas.User, id string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3`, db.now(), id, actor.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cas.NotFound("notification")
	}
	return nil
}

// MarkAllNotificationsRead marks every unread notification of the actor's read and reports how
// many there were.
func (db *DB) MarkAllNotificationsRead(ctx context.Context, actor *cas.User) (int, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, db.now(), actor.ID)
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EmailPreferences is how a user receives notification email: Default for every kind, and ByKind
// for the kinds they chose otherwise.
type EmailPreferences struct {
	Default cas.EmailMode
	ByKind  map[notify.Kind]cas.EmailMode
}

// Mode is how a kind of notification reaches the user by email.
func (p EmailPreferences) Mode(k notify.Kind) cas.EmailMode {
	if m, ok := p.ByKind[k]; ok {
		return m
	}
	return p.Default
}

// emailMode is how a kind of notification reaches u by email: their choice for the kind, or their
// default.
func (tx *Tx) emailMode(u cas.User, k notify.Kind) (cas.EmailMode, error) {
	var mode cas.EmailMode
	err := tx.queryRow(`SELECT email_mode FROM notification_preferences WHERE user_id = $1 AND kind = $2`, u.ID, k).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		return u.EmailMode, nil
	}
	if err != nil {
		return "", fmt.Errorf("email mode of %s for %s: %w", u.ID, k, err)
	}
	return mode, nil
}

// EmailPreferences reads how the actor receives notification email.
func (db *DB) EmailPreferences(ctx context.Context, actor *cas.User) (EmailPreferences, error) {
	return emailPreferences(ctx, db.sql, actor)
}

func emailPreferences(ctx context.Context, q querier, actor *cas.User) (EmailPreferences, error) {
	p := EmailPreferences{ByKind: map[notify.Kind]cas.EmailMode{}}
	if err := q.QueryRowContext(ctx, `SELECT email_mode FROM users WHERE id = $1`, actor.ID).Scan(&p.Default); err != nil {
		return p, fmt.Errorf("email mode of %s: %w", actor.ID, err)
	}
	err := eachRow(ctx, q, `SELECT kind, email_mode FROM notification_preferences WHERE user_id = $1`, []any{actor.ID}, func(row scanner) error {
		var k notify.Kind
		var m cas.EmailMode
		err := row.Scan(&k, &m)
		p.ByKind[k] = m
		return err
	})
	if err != nil {
		return p, fmt.Errorf("email preferences of %s: %w", actor.ID, err)
	}
	return p, nil
}

// SetEmailMode sets how the actor receives notification email, for the kinds they have not chosen
// otherwise.
func (db *DB) SetEmailMode(ctx context.Context, actor *cas.User, mode cas.EmailMode) (cas.User, error) {
	return db.SetEmailPreferences(ctx, actor, mode, nil)
}

// SetEmailPreferences sets how the actor receives notification email: mode for every kind, and,
// when byKind is not nil, the kinds chosen otherwise (replacing earlier choices; a kind chosen as
// mode is not kept apart). Notifications already waiting for a digest go in it.
func (db *DB) SetEmailPreferences(ctx context.Context, actor *cas.User, mode cas.EmailMode, byKind map[notify.Kind]cas.EmailMode) (cas.User, error) {
	if !mode.Valid() {
		return cas.User{}, cas.Invalid("email_mode", "email_mode must be immediate or digest")
	}
	known := notify.Kinds()
	for k, m := range byKind {
		if !slices.Contains(known, k) {
			return cas.User{}, cas.Invalid("email_modes", "%q is not a kind of notification", k)
		}
		if !m.Valid() {
			return cas.User{}, cas.Invalid("email_modes", "the email mode of %s must be immediate or digest", k)
		}
	}
	var u cas.User
	err := db.inTx(ctx, actor, func(tx *Tx) error {
		before, err := emailPreferences(ctx, tx, actor)
		if err != nil {
			return err
		}
		after := EmailPreferences{Default: mode, ByKind: before.ByKind}
		if byKind != nil {
			after.ByKind = map[notify.Kind]cas.EmailMode{}
			if _, err := tx.exec(`DELETE FROM notification_preferences WHERE user_id = $1`, actor.ID); err != nil {
				return err
			}
			for _, k := range known {
				if m, ok := byKind[k]; ok && m != mode {
					if _, err := tx.exec(`INSERT INTO notification_preferences (user_id, kind, email_mode) VALUES ($1, $2, $3)`, actor.ID, k, m); err != nil {
						return fmt.Errorf("email mode for %s: %w", k, err)
					}
					after.ByKind[k] = m
				}
			}
		}
		if _, err := tx.exec(`UPDATE users SET email_mode = $1, updated_at = $2 WHERE id = $3`, mode, tx.now, actor.ID); err != nil {
			return err
		}
		if u, err = db.user(ctx, tx, `id`, actor.ID); err != nil {
			return err
		}
		return tx.audit("user.email_mode", "user", actor.ID, auditPreferences(before), auditPreferences(after))
	})
	return u, err
}

func auditPreferences(p EmailPreferences) map[string]any {
	return map[string]any{"email_mode": p.Default, "email_modes": p.ByKind}
}

// ClaimEmail takes the next email due for delivery, leased to worker for lease: until the lease
// runs out no worker, in this process or another, nor this one after a restart, claims it again.
// Two workers never hold the same email: PostgreSQL skips rows another transaction has locked,
// SQLite claims one at a time.
func (db *DB) ClaimEmail(ctx context.Context, worker string, lease time.Duration) (notify.Email, int, error) {
	var e notify.Email
	var attempts int
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		err := tx.queryRow(`SELECT id, to_address, subject, text_body, html_body, attempts FROM email_outbox
			WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
			ORDER BY next_attempt_at, id LIMIT 1`+db.dialect.skipLocked, tx.now).Scan(&e.ID, &e.To, &e.Subject, &e.Text, &e.HTML, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoJob
		}
		if err != nil {
			return fmt.Errorf("claim email: %w", err)
		}
		attempts++
		_, err = tx.exec(`UPDATE email_outbox SET locked_until = $1, locked_by = $2, attempts = $3 WHERE id = $4`, tx.now.Add(lease), worker, attempts, e.ID)
		return err
	})
	return e, attempts, err
}

// RenewEmailLease extends worker's lease on an email it is still sending to lease from now; it
// reports false when the worker no longer holds the email.
func (db *DB) RenewEmailLease(ctx context.Context, id, worker string, lease time.Duration) (bool, error) {
	now := db.now()
	res, err := db.sql.ExecContext(ctx, `UPDATE email_outbox SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'pending'`,
		now.Add(lease), id, worker)
	if err != nil {
		return false, fmt.Errorf("renew the lease on email %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EmailSent records a delivered email.
func (db *DB) EmailSent(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE email_outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL WHERE id = $2`, db.now(), id)
	return err
}

// maxEmailAttempts is when an undeliverable email is given up on; the inbox still has it.
const maxEmailAttempts = 12

// EmailFailed records a failed delivery: retried after delay, or given up after maxEmailAttempts.
func (db *DB) EmailFailed(ctx context.Context, id string, attempts int, delay time.Duration, cause error) error {
	status := "pending"
	if attempts >= maxEmailAttempts {
		status = "failed"
	}
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := db.sql.ExecContext(ctx, `UPDATE email_outbox SET status = $1, next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $4`,
		status, db.now().Add(delay), msg, id)
	return err
}

// SkipPendingEmail gives up every email not yet sent, recording why; the notifications stay in the
// inbox. The demo uses it so that its invented history is not emailed.
func (db *DB) SkipPendingEmail(ctx context.Context, why string) (int, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE email_outbox SET status = 'failed', last_error = $1 WHERE status = 'pending'`, why)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// OutboxCounts counts outbox emails by status, for operators and tests.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{}
	err := eachRow(ctx, db.sql, `SELECT status, COUNT(*) FROM email_outbox GROUP BY status`, nil, func(row scanner) error {
		var s string
		var n int
		err := row.Scan(&s, &n)
		counts[s] = n
		return err
	})
	return counts, err
}

// reminderLead is how long before a referral's deadline its CAS Contacts are reminded.
const reminderLead = 24 * time.Hour

// SendReminders tells CAS Contacts about referrals whose response deadline is within a day and
// reservations that end today, once each. The worker runs it periodically.
func (db *DB) SendReminders(ctx context.Context) (int, error) {
	sent := 0
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		sent = 0 // counted again if the transaction is retried
		var due []cas.Referral
		err := eachRow(ctx, tx, `SELECT `+referralColumns+` FROM referrals WHERE status = 'pending' AND deadline > $1 AND deadline <= $2`,
			[]any{tx.now, tx.now.Add(reminderLead)}, func(row scanner) error {
				r, err := scanReferral(row)
				due = append(due, r)
				return err
			})
		if err != nil {
			return fmt.Errorf("referrals due: %w", err)
		}
		for _, r := range due {
			d, err := tx.referralData(r)
			if err != nil {
				return err
			}
			if err := tx.notify(notify.DeadlineApproaching, r.AgencyID, d, about{referralID: r.ID, path: links.Referral(r.ID), once: r.ID}); err != nil {
				return err
			}
			sent++
		}
		var ending []cas.Reservation
		if err := eachRow(ctx, tx, `SELECT `+reservationColumns+` FROM reservations WHERE status = 'open' AND expires_on = $1`,
			[]any{string(tx.today())}, func(row scanner) error {
				r, err := scanReservation(row)
				ending = append(ending, r)
				return err
			}); err != nil {
			return fmt.Errorf("reservations ending: %w", err)
		}
		for _, r := range ending {
			u, err := db.unit(ctx, tx, r.UnitID)
			if err != nil {
				return err
			}
			d := notify.Data{Unit: u.Label, Deadline: "at the end of " + string(r.ExpiresOn)}
			if err := tx.queryRow(`SELECT p.name, f.name FROM facilities f JOIN programs p ON p.id = f.program_id WHERE f.id = $1`, u.FacilityID).
				Scan(&d.Program, &d.Facility); err != nil {
				return err
			}
			if err := tx.notify(notify.ReservationExpiring, r.AgencyID, d, about{unitID: u.ID, path: links.Unit(u.FacilityID, u.ID), once: r.ID}); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// digestHour is the CoC-local hour after which the day's digest goes out.
const digestHour = 7

// SendDigests queues one email for each digest reader with notifications not yet emailed, at most
// once a day and not before digestHour in the CoC's time zone.
func (db *DB) SendDigests(ctx context.Context) (int, error) {
	queued := 0
	err := db.inTx(ctx, cas.System, func(tx *Tx) error {
		queued = 0 // counted again if the transaction is retried
		local := tx.now.In(db.Zone)
		if local.Hour() < digestHour {
			return nil
		}
		dayStart := tx.today().Start(db.Zone)
		var readers []cas.User
		// Only the notifications of the kinds a user digests are left unsettled (see notify).
		if err := eachRow(ctx, tx, `SELECT `+userColumns+` FROM users WHERE disabled_at IS NULL
			AND id IN (SELECT user_id FROM notifications WHERE digested_at IS NULL)
			AND id NOT IN (SELECT user_id FROM email_outbox WHERE digest AND created_at >= $1)`, []any{dayStart}, func(row scanner) error {
			u, err := scanUser(row)
			readers = append(readers, u)
			return err
		}); err != nil {
			return fmt.Errorf("digest readers: %w", err)
		}
		for _, u := range readers {
			var items []notify.Message
			if err := eachRow(ctx, tx, `SELECT subject FROM notifications WHERE user_id = $1 AND digested_at IS NULL ORDER BY created_at`,
				[]any{u.ID}, func(row scanner) error {
					var m notify.Message
					err := row.Scan(&m.Subject)
					items = append(items, m)
					return err
				}); err != nil {
				return err
			}
			msg, err := notify.Digest(tx.today(), items, db.BaseURL+links.Inbox)
			if err != nil {
				return err
			}
			if _, err := tx.queueEmail(u, msg, true); err != nil {
				return err
			}
			if _, err := tx.exec(`UPDATE notifications SET digested_at = $1 WHERE user_id = $2 AND digested_at IS NULL`, tx.now, u.ID); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	return queued, err
}

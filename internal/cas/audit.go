package cas

import "time"

// AuditEvent records one write, or one read of a client record: who, when, what, before and after.
// Audit events are append-only.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    string
	Action     string // e.g. "agency.create"
	EntityType string
	EntityID   string
	Before     string // JSON, empty when the entity did not exist
	After      string // JSON, empty when the entity was removed or only read
}

// CanReadAuditLog reports whether u may read the audit log: the HMIS team, which answers for the
// system's security, and the operator at the command line.
func CanReadAuditLog(u *User) bool { return u.IsSystem() || u.Role == RoleHMISAdmin }

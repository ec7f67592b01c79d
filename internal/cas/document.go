package cas

import (
	"strings"
	"time"
)

// ClientDocument is a document on file for a client (a photo ID, a birth certificate, proof of
// income): a line of the client's checklist. Programs require documents by name
// (Requirements.RequiredDocuments); the engine refers a client only to programs whose required
// documents are all on file.
type ClientDocument struct {
	ID       string
	ClientID string
	Name     string
	// ReceivedOn is the day the document came in; empty for documents recorded before the
	// checklist kept dates.
	ReceivedOn Date
	// RecordedBy is the user who recorded it; empty for documents from before the checklist.
	RecordedBy     string
	RecordedByName string
	CreatedAt      time.Time
}

// MaxDocumentNameLength bounds a document's name.
const MaxDocumentNameLength = 200

// Validate checks a document before it is recorded.
func (d *ClientDocument) Validate(today Date) error {
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		return Invalid("name", "name is required: the document's name, e.g. Photo ID")
	}
	if len(d.Name) > MaxDocumentNameLength {
		return Invalid("name", "name must be at most %d characters", MaxDocumentNameLength)
	}
	if d.ReceivedOn == "" {
		return Invalid("received_on", "received_on is required: the day the document came in")
	}
	if _, err := ParseDate("received_on", string(d.ReceivedOn)); err != nil {
		return err
	}
	if d.ReceivedOn > today {
		return Invalid("received_on", "received_on %s is in the future", d.ReceivedOn)
	}
	return nil
}

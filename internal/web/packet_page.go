package web

import (
	"net/http"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// The HPL meeting packet's page: printable, with the HMIS team's forms under each program's
// suspects, and its CSV download for signed-in browsers.

// packetPageData is the printable packet with what its forms need.
type packetPageData struct {
	report.Packet
	user *cas.User
	// ShowReady says the reader may see the HPL's ready clients: CoC staff, not agency users.
	ShowReady bool
}

// SuspectsOf is a program section's suspects for the partial, with the HMIS team's form.
func (d packetPageData) SuspectsOf(sec report.ProgramSection) suspectsView {
	return suspectsForm{}.view(d.user, sec.ProgramID, sec.ProgramName, "/reports/hpl-packet#program-"+sec.ProgramID, sec.Suspects)
}

// packetPage is the printable HPL meeting packet; with format=csv, its CSV download (the API
// takes only bearer tokens, so the page serves the download to signed-in browsers).
func (s *Server) packetPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.packet(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		return writePacketCSV(w, p)
	}
	u := actor(r)
	return s.render(w, r, http.StatusOK, "packet_detail", "HPL meeting packet", view{Data: packetPageData{Packet: p, user: u, ShowReady: u.Role != cas.RoleAgencyUser}})
}

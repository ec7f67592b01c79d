package web

// agencyPages are the pages agency users work in: incoming referrals, the unit roster.
func (s *Server) agencyPages() []route { return nil }

package web

// casPages are the CAS admins' pages: the HPL, client pages, manual referral, the referral board.
func (s *Server) casPages() []route { return nil }

package web

// requestPages are the pages of discrepancy reports and facility-setup requests.
func (s *Server) requestPages() []route { return nil }

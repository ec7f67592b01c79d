package web

// reportPages are the under-referral report's pages.
func (s *Server) reportPages() []route { return nil }

// reportRoutes are the under-referral report's API actions.
func (s *Server) reportRoutes() []route { return nil }

package web

// discrepancyRoutes are the discrepancy reports' routes.
func (s *Server) discrepancyRoutes() []route { return nil }

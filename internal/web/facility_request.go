package web

// facilityRequestRoutes are the facility-setup requests' routes.
func (s *Server) facilityRequestRoutes() []route { return nil }

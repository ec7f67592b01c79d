package web

// dashboardPages are the dashboards' pages.
func (s *Server) dashboardPages() []route { return nil }

// metricsRoutes are the dashboards' API routes.
func (s *Server) metricsRoutes() []route { return nil }

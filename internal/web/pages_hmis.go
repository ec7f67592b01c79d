package web

// hmisPages are the HMIS team's pages: inventory across agencies, users, agencies, CAS Contacts.
func (s *Server) hmisPages() []route { return nil }

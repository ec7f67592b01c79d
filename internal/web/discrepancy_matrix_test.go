package web

func init() {
	permissionMatrix["GET /api/v1/discrepancies"] = "nyyy"
	permissionMatrix["POST /api/v1/discrepancies"] = "nnyy"
	permissionMatrix["GET /api/v1/discrepancies/{id}"] = "nyyy"
	permissionMatrix["POST /api/v1/discrepancies/{id}/resolve"] = "nyyn"
}

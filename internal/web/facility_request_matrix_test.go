package web

func init() {
	permissionMatrix["GET /api/v1/facility-requests"] = "nyyy"
	permissionMatrix["POST /api/v1/facility-requests"] = "nnyy"
	permissionMatrix["GET /api/v1/facility-requests/{id}"] = "nyyy"
	permissionMatrix["POST /api/v1/facility-requests/{id}/approve"] = "nnyn"
	permissionMatrix["POST /api/v1/facility-requests/{id}/reject"] = "nnyn"
}

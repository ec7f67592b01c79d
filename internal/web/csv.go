package web

import (
	"encoding/csv"
	"net/http"
)

// writeCSV sends rows as a CSV download saved under filename; never cached, since reports name
// clients and change by the minute.
func writeCSV(w http.ResponseWriter, filename string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename="+filename)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w).WriteAll(rows)
}

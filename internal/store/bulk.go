package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// How many rows one of rowWriter's statements writes. On SQLite each value is a parameter: enough
// rows that a large import spends its time on the rows rather than on a statement per row, and few
// enough that the widest table's parameters stay well under SQLite's limit of 32,766. On
// PostgreSQL each column is one array parameter, whatever the rows, so a statement takes many more:
// a round trip, and the server's planning, for every 10,000 rows.
const (
	rowsPerValuesList = 256
	rowsPerArrays     = 10_000
)

// rowWriter writes rows with statements of many rows each, as rows are added. The rows are a
// query the statement is built around: on SQLite a VALUES list of anonymous parameters, prepared
// once; on PostgreSQL the columns sent as arrays, one parameter each, and unnested by the server
// (SELECT * FROM unnest(...)), whatever the number of rows. Either way the rows' columns are named
// column1, column2, … when the query is given an alias. The rows added are written once flush or
// close has run.
type rowWriter struct {
	tx *Tx
	// statement is the SQL around rows, the rows' query.
	statement func(rows string) string
	// table and columns give the rows' columns their types on PostgreSQL: those of these columns.
	table, columns string
	width          int
	perStatement   int
	pending        []any // the values of the rows not yet written
	full           *sql.Stmt
	casts          []string // PostgreSQL: each column's array parameter, cast to its type
	copyColumns    []string // PostgreSQL: the columns rows are copied into, when they are
}

// newRowWriter starts writing rows whose values have the types of columns (comma-separated) of
// table, with the statement statement builds around the rows' query.
func (tx *Tx) newRowWriter(table, columns string, statement func(rows string) string) *rowWriter {
	width := strings.Count(columns, ",") + 1
	per := rowsPerValuesList
	if tx.db.dialect != sqliteDialect {
		per = rowsPerArrays
	}
	return &rowWriter{tx: tx, statement: statement, table: table, columns: columns, width: width, perStatement: per,
		pending: make([]any, 0, width*min(per, rowsPerValuesList))}
}

// newRowInserter starts inserting rows into table; columns names them, separated by commas. On
// PostgreSQL the rows are copied in (COPY FROM STDIN), which the server writes several rows at a
// time, where an INSERT writes and logs each alone.
func (tx *Tx) newRowInserter(table, columns string) *rowWriter {
	w := tx.newRowWriter(table, columns, func(rows string) string {
		return "INSERT INTO " + table + " (" + columns + ") " + rows
	})
	if tx.db.dialect != sqliteDialect {
		for c := range strings.SplitSeq(columns, ",") {
			w.copyColumns = append(w.copyColumns, strings.TrimSpace(c))
		}
	}
	return w
}

// add adds a row, its values in the order of the columns.
func (w *rowWriter) add(values ...any) error {
	if len(values) != w.width {
		return fmt.Errorf("%s: a row of %d values for %d columns", w.table, len(values), w.width)
	}
	w.pending = append(w.pending, values...)
	if len(w.pending) < w.width*w.perStatement {
		return nil
	}
	return w.flush()
}

// flush writes the rows added so far.
func (w *rowWriter) flush() error {
	rows := len(w.pending) / w.width
	if rows == 0 {
		return nil
	}
	var err error
	switch {
	case w.tx.db.dialect == sqliteDialect:
		err = w.flushValues(rows)
	case w.copyColumns != nil:
		err = w.flushCopy(rows)
	default:
		err = w.flushArrays(rows)
	}
	clear(w.pending)
	w.pending = w.pending[:0]
	return err
}

// flushValues writes rows rows as a VALUES list: a statement of a full batch is prepared once.
func (w *rowWriter) flushValues(rows int) error {
	var err error
	switch {
	case rows < w.perStatement:
		_, err = w.tx.exec(w.statement(w.valuesList(rows)), w.pending...)
	case w.full == nil:
		if w.full, err = w.tx.PrepareContext(w.tx.ctx, w.statement(w.valuesList(rows))); err != nil {
			return err
		}
		fallthrough
	default:
		_, err = w.full.ExecContext(w.tx.ctx, w.pending...)
	}
	return err
}

// valuesList is the VALUES list of rows rows of anonymous parameters, which SQLite binds in
// constant time, where it looks each numbered $n up in the list of all of them.
func (w *rowWriter) valuesList(rows int) string {
	var b strings.Builder
	b.WriteString("VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range w.width {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	return b.String()
}

// flushArrays writes rows rows on PostgreSQL: each column as one text array, cast by the server
// to the column's type.
func (w *rowWriter) flushArrays(rows int) error {
	if w.casts == nil {
		if err := w.readTypes(); err != nil {
			return err
		}
	}
	arrays := make([]any, w.width)
	for c := range w.width {
		column := make([]pgtype.Text, rows)
		for r := range rows {
			s, ok, err := asText(w.pending[r*w.width+c])
			if err != nil {
				return fmt.Errorf("%s: %w", w.table, err)
			}
			column[r] = pgtype.Text{String: s, Valid: ok}
		}
		arrays[c] = column
	}
	names := make([]string, w.width)
	for c := range names {
		names[c] = "column" + strconv.Itoa(c+1)
	}
	query := "SELECT * FROM unnest(" + strings.Join(w.casts, ", ") + ") AS rows (" + strings.Join(names, ", ") + ")"
	_, err := w.tx.exec(w.statement(query), arrays...)
	return err
}

// flushCopy copies rows rows into the writer's table on PostgreSQL, on the transaction's
// connection.
func (w *rowWriter) flushCopy(rows int) error {
	values := make([][]any, rows)
	for r := range values {
		values[r] = w.pending[r*w.width : (r+1)*w.width]
	}
	return w.tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is a %T, not pgx's", w.table, dc)
		}
		_, err := c.Conn().CopyFrom(w.tx.ctx, pgx.Identifier{w.table}, w.copyColumns, pgx.CopyFromRows(values))
		return err
	})
}

// readTypes reads the types of the writer's columns, for the casts of their arrays.
func (w *rowWriter) readTypes() error {
	rows, err := w.tx.QueryContext(w.tx.ctx, "SELECT "+w.columns+" FROM "+w.table+" LIMIT 0")
	if err != nil {
		return fmt.Errorf("the columns of %s: %w", w.table, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return fmt.Errorf("the columns of %s: %w", w.table, err)
	}
	w.casts = make([]string, len(types))
	for i, t := range types {
		w.casts[i] = "$" + strconv.Itoa(i+1) + "::text[]"
		if name := strings.ToLower(t.DatabaseTypeName()); name != "text" {
			w.casts[i] += "::" + name + "[]"
		}
	}
	return rows.Close()
}

// asText writes a value as PostgreSQL reads it as text; ok is false for NULL.
func asText(v any) (s string, ok bool, err error) {
	if s, ok := v.(string); ok {
		return s, true, nil
	}
	v, err = driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return "", false, err
	}
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case []byte:
		return string(v), true, nil
	case int64:
		return strconv.FormatInt(v, 10), true, nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	case time.Time:
		return v.Format("2006-01-02 15:04:05.999999-07:00"), true, nil
	}
	return "", false, fmt.Errorf("a value of type %T", v)
}

// close writes the rows left and releases the prepared statement.
func (w *rowWriter) close() error {
	err := w.flush()
	if w.full != nil {
		if cerr := w.full.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// bulkLoad is a load, on SQLite, that adds more rows to some tables than they hold: a first HMIS
// import. For its length, the tables' indexes that enforce nothing (those not UNIQUE) are dropped,
// and so are the triggers that record each row inserted (loadTriggers): kept, each index would
// take every row at a random place, and each trigger would run once per row. finish writes in
// one statement per trigger what the triggers would have written for the rows inserted, then
// builds each index once from its sorted keys and makes the triggers again. All of it happens in
// the load's transaction, so no one sees the tables without them, and a transaction that fails
// brings them back as they were.
//
// A row inserted by the load and updated after it, in the same transaction, has its update's
// version (the update triggers are kept), and then the version finish writes, of its state at
// the end: both are of the transaction's moment, so the state a replay sees at that moment is
// the last, as it would be with the triggers.
//
// On PostgreSQL dropping an index locks its table against readers until the transaction ends,
// and the triggers run once per statement already: a load changes nothing there.
type bulkLoad struct {
	tx      *Tx
	build   []string         // the statements that make the dropped indexes and triggers again
	catchUp []string         // what the dropped triggers would have written, for rows above the mark
	marks   map[string]int64 // by table, the largest rowid before the load
	tables  []string         // of catchUp, by statement
}

// loadTriggers are the SQLite triggers a bulk load drops, on the rows each table gets: with the
// statement that writes for the rows inserted, those above a rowid, what the trigger writes for
// each (migrations 00014 and 00021). TestBulkLoadWritesWhatTriggersWrite holds them equal.
var loadTriggers = []struct{ name, table, catchUp string }{
	{"clients_versioned_insert", "clients", `INSERT INTO client_versions (client_id, at, birth_date, household_size, household_type,
		veteran, chronic, youth, dv_survivor, needs_accessible, consent, consent_date, consent_expires_on)
		SELECT id, updated_at, birth_date, household_size, household_type, veteran, chronic, youth, dv_survivor, needs_accessible,
		consent, consent_date, consent_expires_on FROM clients WHERE rowid > $1 ORDER BY rowid`},
	{"hpl_entries_inserted", "hpl_entries", `INSERT INTO hpl_changes (client_id) SELECT client_id FROM hpl_entries WHERE rowid > $1 ORDER BY rowid`},
	{"hpl_entries_versioned_insert", "hpl_entries", `INSERT INTO hpl_entry_versions (entry_id, client_id, at, score, assessed_on,
		days_homeless, documents, intake_status, status, parked_until, park_reason)
		SELECT id, client_id, updated_at, score, assessed_on, days_homeless, documents, intake_status, status, parked_until, park_reason
		FROM hpl_entries WHERE rowid > $1 ORDER BY rowid`},
}

// startBulkLoad starts a bulk load into tables; the rows its triggers record go to others, whose
// indexes tables should name too.
func (tx *Tx) startBulkLoad(tables ...string) (*bulkLoad, error) {
	l := &bulkLoad{tx: tx, marks: map[string]int64{}}
	if tx.db.dialect != sqliteDialect {
		return l, nil
	}
	params, args := make([]string, len(tables)), make([]any, len(tables))
	for i, t := range tables {
		params[i], args[i] = "$"+strconv.Itoa(i+1), t
	}
	var drops []string
	err := eachRow(tx.ctx, tx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN (`+strings.Join(params, ", ")+`) ORDER BY name`,
		args, func(row scanner) error {
			var name, sql string
			err := row.Scan(&name, &sql)
			drops, l.build = append(drops, `DROP INDEX "`+name+`"`), append(l.build, sql)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", strings.Join(tables, ", "), err)
	}
	for _, t := range loadTriggers {
		if !slices.Contains(tables, t.table) {
			continue
		}
		var sql string
		if err := tx.queryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1`, t.name).Scan(&sql); err != nil {
			return nil, fmt.Errorf("trigger %s: %w", t.name, err)
		}
		if _, ok := l.marks[t.table]; !ok {
			var mark int64
			if err := tx.queryRow(`SELECT COALESCE(MAX(rowid), 0) FROM ` + t.table).Scan(&mark); err != nil {
				return nil, fmt.Errorf("rows of %s: %w", t.table, err)
			}
			l.marks[t.table] = mark
		}
		drops, l.build = append(drops, `DROP TRIGGER "`+t.name+`"`), append(l.build, sql)
		l.catchUp, l.tables = append(l.catchUp, t.catchUp), append(l.tables, t.table)
	}
	for _, drop := range drops {
		if _, err := tx.exec(drop); err != nil {
			return nil, fmt.Errorf("%s for a bulk load: %w", drop, err)
		}
	}
	return l, nil
}

// finish writes what the dropped triggers would have, and makes the dropped indexes and triggers
// again.
func (l *bulkLoad) finish() error {
	for i, sql := range l.catchUp {
		if _, err := l.tx.exec(sql, l.marks[l.tables[i]]); err != nil {
			return fmt.Errorf("record the rows of a bulk load: %w", err)
		}
	}
	for _, sql := range l.build {
		if _, err := l.tx.exec(sql); err != nil {
			return fmt.Errorf("make again after a bulk load: %w", err)
		}
	}
	return nil
}

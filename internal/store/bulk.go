package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
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

// dropIndexesForLoad drops, on SQLite, the indexes of tables that enforce nothing (those not
// UNIQUE), and returns the statements that make them again, for a load that adds more rows to the
// tables than they hold: kept, each index would take every row at a random place, where built
// afresh it sorts its keys once. buildIndexes builds them again in the same transaction, so no one
// sees the tables without them; a transaction that fails brings them back as it was. On PostgreSQL
// dropping an index locks its table against readers until the transaction ends: nothing is
// dropped there.
func (tx *Tx) dropIndexesForLoad(tables ...string) ([]string, error) {
	if tx.db.dialect != sqliteDialect {
		return nil, nil
	}
	params, args := make([]string, len(tables)), make([]any, len(tables))
	for i, t := range tables {
		params[i], args[i] = "$"+strconv.Itoa(i+1), t
	}
	var names, build []string
	err := eachRow(tx.ctx, tx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN (`+strings.Join(params, ", ")+`) ORDER BY name`,
		args, func(row scanner) error {
			var name, sql string
			err := row.Scan(&name, &sql)
			names, build = append(names, name), append(build, sql)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", strings.Join(tables, ", "), err)
	}
	for _, name := range names {
		if _, err := tx.exec(`DROP INDEX "` + name + `"`); err != nil {
			return nil, fmt.Errorf("drop index %s for a load: %w", name, err)
		}
	}
	return build, nil
}

// buildIndexes runs the statements dropIndexesForLoad returned.
func (tx *Tx) buildIndexes(build []string) error {
	for _, sql := range build {
		if _, err := tx.exec(sql); err != nil {
			return fmt.Errorf("build index again after a load: %w", err)
		}
	}
	return nil
}

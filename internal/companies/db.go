package companies

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/emailstate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationsTable records which migrations ran.
const migrationsTable = "workid_migrations"

// Rule is the business-email rule: only a business domain forms a company
// or can be added to one. *businessemail.Policy is one.
type Rule interface {
	Decide(raw string) businessemail.Decision
}

// Options are what a Store needs besides its database.
type Options struct {
	// Rule decides which domains are business domains. Without it the
	// store reads and changes companies but does not Observe identities or
	// add domains (the UI, which has no rule of its own, opens it so).
	Rule Rule
	// MaxAge is how long a verification lasts (emailstate.DefaultMaxAge
	// when 0).
	MaxAge time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives the migrations' progress (nothing when nil).
	Log *slog.Logger
}

// Store is WorkID's database. Its methods may be called from any number of
// goroutines and processes.
type Store struct {
	db     *sql.DB
	pg     bool
	rule   Rule
	maxAge time.Duration
	now    func() time.Time
	// stmts are the statements prepared once (prepared), by their text.
	stmts sync.Map
	// swept is when each turns table was last swept (sweepDue): an
	// *atomic.Int64 of Unix microseconds by table name.
	swept sync.Map
}

// Location is where a database URL points.
type Location struct {
	// Postgres is true for postgres:// and postgresql:// URLs.
	Postgres bool
	// Path is the SQLite file of a sqlite: URL.
	Path string
	// DSN is what the driver opens.
	DSN string
}

// ParseURL reads a database URL: sqlite:PATH (a file, created when
// missing) or postgres://user:password@host:port/database?sslmode=...
func ParseURL(raw string) (Location, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Location{Postgres: true, DSN: raw}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" || strings.ContainsAny(path, "?#") {
			return Location{}, fmt.Errorf("database URL %q: want sqlite:PATH, a file path without ? or #", raw)
		}
		// busy_timeout: several processes share the file (the UI, the
		// hooks, the job); immediate transactions take the write lock at
		// BEGIN, so two writers queue instead of failing on upgrade.
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		return Location{Path: path, DSN: dsn}, nil
	}
	// Not repeated: a mistyped postgres URL still holds its password.
	return Location{}, errors.New("database URL: want sqlite:PATH or a postgres:// URL")
}

// Open opens the database at url, runs its pending migrations, and returns
// the store. Several processes may open one database at once: PostgreSQL
// migrations hold an advisory lock, SQLite ones a lock file beside the
// database.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	loc, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	driver := "sqlite"
	if loc.Postgres {
		driver = "pgx"
	} else if err := createPrivate(loc.Path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db, err := sql.Open(driver, loc.DSN)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := &Store{db: db, pg: loc.Postgres, rule: opts.Rule, maxAge: opts.MaxAge, now: opts.Now}
	if s.maxAge <= 0 {
		s.maxAge = emailstate.DefaultMaxAge
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx, loc, opts.Log); err != nil {
		db.Close()
		return nil, err
	}
	if opts.Log != nil {
		// Where, said once: two processes started from different folders
		// with a relative sqlite: path would use two databases.
		where := "postgres"
		if !loc.Postgres {
			where, _ = filepath.Abs(loc.Path)
		}
		opts.Log.InfoContext(ctx, "WorkID database open", "database", where)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// prepared returns query (already written for the database by q) as a
// statement prepared once and kept, for the queries every page makes.
// SQLite parses and plans a statement on every QueryContext: for the
// company read that was a quarter of the UI's CPU on a dashboard. For
// SQLite only: pgx keeps its own cache of prepared statements, which,
// unlike a kept *sql.Stmt, prepares again when a migration changed what a
// statement returns. database/sql prepares the statement again on each
// connection it is used on.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// migrate runs the migrations that have not run.
func (s *Store) migrate(ctx context.Context, loc Location, log *slog.Logger) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithTableName(migrationsTable), goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	dialect := goose.DialectSQLite3
	if loc.Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	} else {
		unlock, err := lockFile(loc.Path + ".migrate-lock")
		if err != nil {
			return fmt.Errorf("migrate database: %w", err)
		}
		defer unlock()
	}
	p, err := goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// createPrivate creates the SQLite file (and its folder) readable by its
// owner only, when it does not exist: it holds people's names and
// addresses, and SQLite gives its -wal and -shm files the database's
// permissions.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// lockFile holds an exclusive lock on path until unlock is called.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// q writes a query's ? placeholders as PostgreSQL's $1, $2 ... (the SQL
// here has no other question marks).
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// inTx runs fn in one transaction, committed when fn returns nil. A
// transaction PostgreSQL ended to break a deadlock runs again, up to
// txAttempts times in all: a pass's page and a hook's call lock the same
// member rows and company domains in different orders, and one of them
// must give way. fn must therefore only change the database and its own
// results.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
	}
}

// txAttempts is how often inTx tries a transaction.
const txAttempts = 5

func (s *Store) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// retryable reports whether PostgreSQL aborted the transaction to break a
// deadlock or a serialization conflict: the same transaction can succeed
// when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// newID returns a random (version 4) UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

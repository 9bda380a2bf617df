package pgtest

import (
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A server starts without a testing.TB, takes new databases, and stopping
// it removes its folder; stopping twice is harmless.
func TestStartServer(t *testing.T) {
	dsn, stop, err := StartServer()
	if err != nil {
		t.Fatalf("StartServer() = %v", err)
	}
	defer stop()
	db, err := CreateDatabase(t.Context(), dsn, "kratos")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(db, "/kratos?sslmode=disable") {
		t.Errorf("CreateDatabase DSN = %s, want the kratos database with the server's options", db)
	}
	conn, err := pgx.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil || name != "kratos" {
		t.Errorf("current_database() = %q, %v; want kratos", name, err)
	}
	var dir string
	if err := conn.QueryRow(t.Context(), "SHOW data_directory").Scan(&dir); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())

	if err := stop(); err != nil {
		t.Fatalf("stop() = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after stop the data folder %s is still there (%v)", dir, err)
	}
	if err := stop(); err != nil {
		t.Errorf("second stop() = %v, want nil", err)
	}
	if _, err := pgx.Connect(t.Context(), dsn); err == nil {
		t.Error("the server still accepts connections after stop")
	}
}

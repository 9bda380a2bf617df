package stacktest

import (
	"context"
	"fmt"

	"github.com/workid/workid/internal/pgtest"
)

// poolOptions are the connection-pool settings docker-compose.yml gives
// Kratos and Hydra on PostgreSQL, so the tests run what production runs.
const poolOptions = "&max_conns=20&max_idle_conns=4"

// startPostgres starts a PostgreSQL server with a database each for
// Kratos, Hydra and WorkID, and points the layout's DSNs at them.
func (s *Stack) startPostgres(ctx context.Context) error {
	dsn, stop, err := pgtest.StartServer()
	if err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	s.PostgresDSN, s.pgStop = dsn, stop
	for name, dst := range map[string]*string{"kratos": &s.Layout.KratosDSN, "hydra": &s.Layout.HydraDSN} {
		db, err := pgtest.CreateDatabase(ctx, dsn, name)
		if err != nil {
			return err
		}
		*dst = db + poolOptions
	}
	// WorkID's servers open theirs with pgx's own pool settings, as in
	// docker-compose.yml: the pop options above are Kratos's and Hydra's.
	s.Layout.WorkIDDSN, err = pgtest.CreateDatabase(ctx, dsn, "workid")
	return err
}

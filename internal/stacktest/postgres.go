package stacktest

import (
	"context"
	"fmt"

	"github.com/workid/workid/internal/pgtest"
)

// poolOptions are the connection-pool settings docker-compose.yml gives
// Kratos and Hydra on PostgreSQL, so the tests run what production runs.
const poolOptions = "&max_conns=20&max_idle_conns=4"

// startPostgres starts a PostgreSQL server with a database for Kratos and
// one for Hydra, and points the layout's DSNs at them.
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
	return nil
}
